/* The daemon of the stop-latency benchmark (benchmarks/stop_latency.cc): waits for SIGTERM,
 * then stores the CLOCK_MONOTONIC time into a shared mapping of STAMP and calls _exit at once —
 * nothing but a memory store between the time read and the exit, so the time is the daemon's
 * exit as exactly as a process can state it.
 *
 *   exit_stamp STAMP      (run as `daemoniker start --pidfile P -- exit_stamp STAMP`)
 *
 * STAMP is created (16 bytes: the time as two 64-bit integers, seconds and nanoseconds; zeros
 * until SIGTERM) only once the handler is installed: its existence tells the benchmark that the
 * daemon is ready for SIGTERM.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile int64_t* stamp;

static void on_term(int sig) {
  (void)sig;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  stamp[0] = ts.tv_sec;
  stamp[1] = ts.tv_nsec;
  _exit(0);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: exit_stamp STAMP\n");
    return 2;
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_term;
  sigfillset(&sa.sa_mask);
  if (sigaction(SIGTERM, &sa, NULL) != 0) return 1;
  /* Created under a temporary name and renamed: it exists only once it is mapped. */
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]) >= (int)sizeof tmp) return 1;
  const int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1 || ftruncate(fd, 2 * sizeof(int64_t)) != 0) return 1;
  void* map = mmap(NULL, 2 * sizeof(int64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return 1;
  stamp = (volatile int64_t*)map;
  stamp[0] = 0; /* touched now: no page fault in the handler */
  close(fd);
  if (rename(tmp, argv[1]) != 0) return 1;
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (;;) pause();
}
