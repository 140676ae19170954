// docs/api.md's "Signals in the daemon" example: between the snippet markers is its code block,
// line for line (//tests/docs checks it). The daemon reloads on SIGHUP, and a stop signal makes
// wait() return and main return, which removes the pid file.
//
// reload_config() stands in for a real service's: it appends a line to /run/echo.reloads.
// //docs/examples:examples_test runs it in a private mount namespace, where /run is a
// directory of the test's own.
#include <unistd.h>

#include <fstream>

#include <daemoniker/daemoniker.hpp>

namespace {
void reload_config() { std::ofstream("/run/echo.reloads", std::ios::app) << getpid() << '\n'; }
}  // namespace

int main() {
  // [snippet:signals]
  daemoniker::daemonize("/run/echo.pid", {.chdir = "/"});
  daemoniker::signal_handler signals;            // before starting other threads
  signals.on_reload([&](int) { reload_config(); });
  signals.start();
  // ... start threads, serve ...
  signals.wait();                                // SIGTERM, SIGINT or SIGQUIT
  return 0;                                      // normal exit: the pid file is removed
  // [/snippet:signals]
}
