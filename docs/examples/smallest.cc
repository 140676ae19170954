// The README's first example, verbatim around serve(). Built by the test suite.
#include <unistd.h>

#include <daemoniker/daemoniker.hpp>

namespace {
void serve(int /*port*/) {
  for (;;) pause();  // a real service would accept connections here
}
}  // namespace

int main() {
  auto [port] = daemoniker::daemonize("/run/echo.pid",
                                      {.chdir = "/", .stdout_goto = "/var/log/echo.log"},
                                      7000);
  // Only the daemon gets here. The shell that ran us has already seen exit status 0:
  // the daemon is in its own session, its pid file holds its pid and its lock, stdout
  // appends to the log. Had any step failed, the shell would have seen why and status 1.
  serve(port);
}  // returning from main removes the pid file
