// docs/systemd.md's socket activation example: between the snippet markers is its code block,
// line for line (//tests/docs checks it). Started the way systemd starts a socket-activated
// service ($LISTEN_PID is this process, the listening socket on fd 3, named "http" by
// $LISTEN_FDNAMES), daemonize() does not fork: the program stays the supervisor's child.
//
// serve() stands in for a real service's: it accepts one connection, says hello to it, and
// writes to stdout (left connected to the supervisor) which fd it was given and whether the
// LISTEN_* variables are still in the environment. //docs/examples:examples_test runs it in a
// private mount namespace, where /run is a directory of the test's own.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <daemoniker/daemoniker.hpp>

namespace {
void serve(int fd) {
  const bool unset = !std::getenv("LISTEN_PID") && !std::getenv("LISTEN_FDS") &&
                     !std::getenv("LISTEN_FDNAMES");
  std::printf("serving http on fd %d in pid %d; LISTEN_* %s\n", fd, static_cast<int>(getpid()),
              unset ? "removed" : "STILL SET");
  std::fflush(stdout);
  const int client = accept(fd, nullptr, nullptr);
  if (client < 0) return;
  const char hello[] = "hello from the http socket\n";
  if (write(client, hello, std::strlen(hello)) < 0) std::perror("write");
  close(client);
}
}  // namespace

int main() {
  // [snippet:socket-activation]
  daemoniker::daemonize("/run/web.pid", {});
  for (const auto& s : daemoniker::listen_fds()) {   // {fd, name} from LISTEN_FDNAMES
    if (s.name == "http") serve(s.fd);
  }
  // [/snippet:socket-activation]
  return 0;  // normal exit: the pid file is removed
}
