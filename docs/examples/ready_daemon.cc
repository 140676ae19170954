// docs/systemd.md's readiness example: between the snippet markers is its code block, line for
// line (//tests/docs checks it). The invoking process waits until the daemon calls
// notify_ready() (exit 0) or notify_failed() (its message, exit status 6).
//
// load_config(), warm_caches() and serve() stand in for a real service's, with files in /run,
// which //docs/examples:examples_test mounts from a directory of its own (a private mount
// namespace):
//   load_config()  succeeds when /run/web.conf exists;
//   warm_caches()  writes /run/web.warming, then waits (at most 30 s) for /run/web.go — so the
//                  test can see the invoking process still waiting while the daemon is not
//                  ready yet;
//   serve()        waits for a signal.
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {
bool load_config() { return std::filesystem::exists("/run/web.conf"); }
void warm_caches() {
  std::ofstream("/run/web.warming") << getpid() << '\n';
  for (int i = 0; i < 3000 && !std::filesystem::exists("/run/web.go"); ++i) usleep(10'000);
}
void serve() {
  for (;;) pause();
}
}  // namespace

// [snippet:readiness]
#include <daemoniker/daemoniker.hpp>

using ready_daemonizer = daemoniker::daemonizer_with<daemoniker::await_ready<>>;

int main() {
  ready_daemonizer{}.daemonize("/run/web.pid", {.success_timeout = std::chrono::seconds(60)});
  if (!load_config()) {
    daemoniker::notify_failed("cannot read /etc/web.conf: Permission denied", 6);
    return 6;                           // the shell saw the message and status 6
  }
  daemoniker::extend_timeout(std::chrono::seconds(120));  // a slow warm-up, said out loud
  warm_caches();
  daemoniker::notify_ready("serving on :8080");           // the shell sees exit status 0 now
  serve();
}
// [/snippet:readiness]
