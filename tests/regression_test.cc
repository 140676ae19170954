// Regressions found by the reliability work (docs/reliability.md): each failed before its fix.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>
#include <atomic>
#include <thread>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <daemoniker/daemoniker.hpp>
#include "daemoniker/src/sys_faults.hpp"
#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {
using ::testing::HasSubstr;
using detail::sys;

int open_eintr_once(const char* p, int f, mode_t m) noexcept {
  static int calls = 0;
  if (++calls == 1) { errno = EINTR; return -1; }
  return detail::real_syscalls().open(p, f, m);
}

class Regression : public DaemonTest {};

// 1. fork_handoff's thread check does not retry open("/proc/self/task") on EINTR: an
//    interrupted open makes a multi-threaded caller look single-threaded.
TEST_F(Regression, ThreadCheckSurvivesAnInterruptedOpen) {
  const auto r = invoke([&] {
    std::thread t([] { for (;;) ::pause(); });
    t.detach();
    sys().open = open_eintr_once;
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("threads"));
}

// 2. A pid file whose lock is held by a process other than the pid it names (a daemon that
//    died while a forked worker still holds the inherited lock fd): the starter spins for
//    64 x 2 ms and then reports "already running (pid N)" for a pid that does not exist.
TEST_F(Regression, LockHeldByAnotherProcessThanTheNamedPidIsReportedAsSuch) {
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  write_file(path("app.pid"), std::to_string(dead) + "\n");
  const pid_t worker = ::fork();
  if (worker == 0) {
    const int fd = ::open(path("app.pid").c_str(), O_RDONLY);
    ::flock(fd, LOCK_EX);
    for (;;) ::pause();
  }
  while (!is_locked(path("app.pid"))) ::usleep(1000);
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, ::testing::Not(HasSubstr("already running (pid " + std::to_string(dead) + ")")))
      << r.stderr_text;
}

// 3. fchmod failing is reported as "cannot be locked".
int fchmod_fails(int, mode_t) noexcept { errno = EPERM; return -1; }
TEST_F(Regression, FchmodFailureIsNotCalledALockFailure) {
  const auto r = invoke([&] {
    sys().fchmod = fchmod_fails;
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, ::testing::Not(HasSubstr("cannot be locked"))) << r.stderr_text;
}
}  // namespace
}  // namespace daemoniker::testing
