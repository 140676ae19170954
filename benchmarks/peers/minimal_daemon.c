/* The floor among whole programs (benchmarks/peer_harness.cc): a minimal double fork with
 * setsid, close_range, a locked pid file and a pipe handshake, as a C programmer would write it
 * — no checks beyond "did it work", no signal reset, no error channel.
 *
 *   minimal_daemon PIDFILE                  the daemon removes its pid file and exits (what
 *                                           lib_daemon's daemon does)
 *   minimal_daemon PIDFILE PROGRAM ARGS...  the daemon keeps the pid file (and its lock) and
 *                                           execs PROGRAM (what `daemoniker start` and
 *                                           start-stop-daemon --background do)
 *
 * Written in C and built twice (benchmarks/BUILD.bazel): as C, linked against libc alone
 * (:minimal_daemon), and as C++ through minimal_daemon_cxx.cc (:minimal_daemon_cxx), where the
 * pid line is a std::string, so the program loads libstdc++ as any C++ program does. The two
 * differ by the cost of starting a C++ program, nothing else.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __cplusplus
#include <string>
#endif

/* In the daemon: tell the invoking process that it failed, and exit. */
__attribute__((noreturn)) static void fail(int to) {
  (void)!write(to, "x", 1);
  _exit(1);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* pid_file = argv[1];
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return 1;
  const pid_t first = fork();
  if (first == -1) return 1;
  if (first > 0) { /* the invoking process: exit 0 once the daemon confirmed */
    char said = 'x';
    close(p[1]);
    const ssize_t n = read(p[0], &said, 1);
    /* Confirmed: a NUL byte, or with PROGRAM, EOF on the close-on-exec pipe (it runs). */
    const int confirmed = (n == 1 && said == '\0') || (n == 0 && argc > 2);
    waitpid(first, NULL, 0);
    return confirmed ? 0 : 1;
  }
  close(p[0]);
  if (p[1] > 3) close_range(3, (unsigned)p[1] - 1, 0); /* everything but the handshake pipe */
  close_range((unsigned)p[1] + 1, ~0U, 0);
  setsid();
  if (fork() != 0) _exit(0);
  /* Kept across exec when there is a PROGRAM: the lock then stays with it. */
  const int fd = open(pid_file, argc > 2 ? O_RDWR | O_CREAT : O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1 || flock(fd, LOCK_EX | LOCK_NB) != 0) fail(p[1]);
#ifdef __cplusplus
  const std::string line = std::to_string(getpid()) + "\n";
  const char* text = line.data();
  const int n = (int)line.size();
#else
  char text[24];
  const int n = snprintf(text, sizeof text, "%d\n", (int)getpid());
#endif
  if (ftruncate(fd, 0) != 0 || write(fd, text, (size_t)n) != n) fail(p[1]);
  if (argc > 2) {
    execvp(argv[2], argv + 2);
    fail(p[1]);
  }
  if (write(p[1], "", 1) != 1) _exit(1);
  unlink(pid_file);
  _exit(0);
}
