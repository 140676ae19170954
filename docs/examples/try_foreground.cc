// docs/api.md's try_daemonize() example (its code block is the region between the snippet
// markers, line for line: //tests/docs checks it), built and run by //docs/examples:examples_test:
// when daemonizing fails, the program logs why and serves in the foreground instead.
//
//   try_foreground RUN_DIR [--fail]
//
// serve() here only says where it runs and returns. With --fail the pid file's directory does
// not exist, so daemonization fails and the program carries on in the foreground.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <daemoniker/daemoniker.hpp>

namespace {
std::filesystem::path run;
int serve(int port) {
  std::FILE* log = std::fopen((run / "serve.log").c_str(), "a");
  std::fprintf(log, "serving on :%d in pid %d\n", port, static_cast<int>(::getpid()));
  std::fclose(log);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  run = std::filesystem::canonical(argv[1]);
  const bool fail = argc > 2 && std::string(argv[2]) == "--fail";
  const int port = 8080;
  const std::filesystem::path pid_file = run / (fail ? "missing/web.pid" : "web.pid");

  // [snippet:try-daemonize]
  auto r = daemoniker::try_daemonize(pid_file, {.stdout_goto = run / "web.log"}, port);
  if (!r) {                                 // the invoking process: nothing was printed or left
    std::fprintf(stderr, "web: running in the foreground: %s\n", r.error().message.c_str());
    return serve(port);
  }
  if (!r.is_daemon()) return 0;             // the invoking process: the daemon (r.daemon_pid()) runs
  auto [p] = r.values();                    // the daemon
  return serve(p);
  // [/snippet:try-daemonize]
}
