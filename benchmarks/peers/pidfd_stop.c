/* The floor of the stop-latency benchmark (benchmarks/stop_latency.cc): what stopping a daemon
 * costs at the least — read the pid file, pin the pid (pidfd_open), SIGTERM through the pidfd,
 * poll the pidfd until the process exited, exit. No verification, no lock, no pid-file removal.
 *
 *   pidfd_stop PIDFILE
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  char buf[32] = {0};
  if (fd == -1 || read(fd, buf, sizeof buf - 1) <= 0) return 1;
  const long pid = strtol(buf, NULL, 10);
  if (pid <= 1) return 1;
  const int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pidfd == -1 || syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) != 0) return 1;
  struct pollfd p = {pidfd, POLLIN, 0};
  while (poll(&p, 1, -1) != 1) {
  }
  return 0;
}
