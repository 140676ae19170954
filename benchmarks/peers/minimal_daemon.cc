// The floor among whole programs (benchmarks/peer_harness.cc): a minimal double fork with
// setsid, close_range, a locked pid file and a pipe handshake, as a C programmer would write it
// — no checks beyond "did it work", no signal reset, no error channel. The daemon removes its
// pid file and exits, as lib_daemon's does.
//
//   minimal_daemon PIDFILE
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const char* pid_file = argv[1];
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return 1;
  const pid_t first = ::fork();
  if (first == -1) return 1;
  if (first > 0) {  // the invoking process: exit 0 once the daemon confirmed
    char ok = 0;
    ::close(p[1]);
    const bool confirmed = ::read(p[0], &ok, 1) == 1;
    ::waitpid(first, nullptr, 0);
    return confirmed ? 0 : 1;
  }
  ::close(p[0]);
  if (p[1] > 3) ::close_range(3, p[1] - 1, 0);  // everything but the handshake pipe
  ::close_range(p[1] + 1, ~0U, 0);
  ::setsid();
  if (::fork() != 0) ::_exit(0);
  const int fd = ::open(pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(1);
  char line[24];
  const int n = std::snprintf(line, sizeof line, "%d\n", static_cast<int>(::getpid()));
  if (::ftruncate(fd, 0) != 0 || ::write(fd, line, static_cast<size_t>(n)) != n) ::_exit(1);
  if (::write(p[1], "", 1) != 1) ::_exit(1);
  ::unlink(pid_file);
  ::_exit(0);
}
