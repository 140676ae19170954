// The README's first example ("The smallest daemon"): between the snippet markers is the
// README's code block, line for line (//tests/docs checks it). serve() is defined first, so
// that the shown code can start at its #include.
//
// //docs/examples:examples_test runs it in a private mount namespace, where /run and /var/log
// are directories of the test's own.
#include <unistd.h>

namespace {
void serve(int /*port*/) {
  for (;;) pause();  // a real service would accept connections here
}
}  // namespace

// [snippet:smallest]
#include <daemoniker/daemoniker.hpp>

int main() {
  auto [port] = daemoniker::daemonize("/run/echo.pid",
                                      {.chdir = "/", .stdout_goto = "/var/log/echo.log"},
                                      7000);
  // Only the daemon gets here. The shell that ran us has already seen exit status 0:
  // the daemon is in its own session, its pid file holds its pid and its lock, stdout
  // appends to the log. Had any step failed, the shell would have seen why and status 1.
  serve(port);
}  // returning from main removes the pid file
// [/snippet:smallest]
