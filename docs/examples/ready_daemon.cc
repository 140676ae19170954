// docs/systemd.md's examples, built by the test suite: readiness, socket activation and a
// privilege drop in one program.
//
//   ready_daemon RUN_DIR
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <daemoniker/daemoniker.hpp>

namespace {
bool load_config() { return true; }
void warm_caches() {}
void serve(int /*fd*/) {}
}  // namespace

using hardened_ready = daemoniker::basic_daemonizer<
    daemoniker::locked_pid_file, daemoniker::redirect_stdio, daemoniker::auto_sweep,
    daemoniker::await_ready<daemoniker::fork_handoff>, daemoniker::drop_privileges>;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::filesystem::path run = std::filesystem::canonical(argv[1]);
  hardened_ready d{{}, {}, {}, {},
                   daemoniker::drop_privileges{.prevent_core = true,
                                               .keep_environment = std::vector<std::string>{"PATH"}}};
  d.daemonize(run / "ready.pid", {.chdir = "/", .stdout_goto = run / "ready.log",
                                  .success_timeout = std::chrono::seconds(60)});
  if (!load_config()) {
    daemoniker::notify_failed("cannot read the configuration", 6);
    return 6;
  }
  daemoniker::extend_timeout(std::chrono::seconds(120));
  warm_caches();
  for (const auto& s : daemoniker::listen_fds()) {
    if (s.name == "http") serve(s.fd);
  }
  daemoniker::notify_ready("serving");
  return 0;
}
