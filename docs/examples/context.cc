// The Daemonizer context: setup code before daemonization, a parent branch after the daemon
// confirmed, and values carried across. Prints what each process saw; the daemon works for
// two seconds and exits.
//
//   context RUN_DIR
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <daemoniker/daemoniker.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::filesystem::path run = std::filesystem::canonical(argv[1]);
  int port = 0;
  std::string greeting;
  {
    daemoniker::daemonizer ctx;
    if (ctx.is_setup()) {
      // Runs once, before daemonization (on Windows it is not run again in the daemon).
      port = 7070;
      greeting = "hello from setup";
    }
    auto [is_parent, p, g] =
        ctx(run / "context.pid", {.stdout_goto = run / "context.log"}, port, greeting);
    if (is_parent) {
      // The daemon has confirmed: its pid file exists. p and g are value-initialized here.
      std::printf("parent: daemon confirmed; pid file %s; preserved args here: %d '%s'\n",
                  std::filesystem::exists(run / "context.pid") ? "exists" : "MISSING", p,
                  g.c_str());
    } else {
      port = p;
      greeting = std::move(g);
    }
  }  // the invoking process ends here with _exit(0)
  std::printf("daemon %d: port %d, greeting '%s'\n", getpid(), port, greeting.c_str());
  std::fflush(stdout);
  sleep(2);  // the daemon's work
  return 0;
}
