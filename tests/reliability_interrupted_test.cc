// Interrupted.*: each call daemonize() makes is interrupted (EINTR, through the seam,
// daemoniker/src/sys_faults.hpp) and must be retried, so that the start succeeds. The shared
// fixture and what all reliability suites check: tests/reliability_support.hpp.
#include <poll.h>
#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include "daemoniker/src/sys_faults.hpp"

#include "tests/reliability_support.hpp"
#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using detail::sys;

// EINTR: the call is interrupted and must be retried, so the start succeeds. "Once": the first
// call of that kind in each process is interrupted; "Alternating": every other call is, so
// every call site of that kind is hit.
enum class eintr_mode { once, alternating };
eintr_mode mode = eintr_mode::once;
std::atomic<long> interrupted{0};  // in this process only; children report theirs in a file

bool interrupt_now() noexcept {
  static int calls = 0;
  ++calls;
  const bool now = mode == eintr_mode::once ? calls == 1 : calls % 2 == 1;
  if (now) {
    ++interrupted;
    errno = EINTR;
  }
  return now;
}

int open_eintr(const char* p, int f, mode_t m) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().open(p, f, m);
}
ssize_t read_eintr(int fd, void* b, std::size_t n) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().read(fd, b, n);
}
ssize_t write_eintr(int fd, const void* b, std::size_t n) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().write(fd, b, n);
}
ssize_t send_eintr(int fd, const void* b, std::size_t n, int f) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().send(fd, b, n, f);
}
int flock_eintr(int fd, int op) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().flock(fd, op);
}
pid_t waitpid_eintr(pid_t pid, int* s, int o) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().waitpid(pid, s, o);
}
int poll_eintr(struct pollfd* f, nfds_t n, int t) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().poll(f, n, t);
}
int dup2_eintr(int a, int b) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().dup2(a, b);
}
int chdir_eintr(const char* p) noexcept {
  return interrupt_now() ? -1 : detail::real_syscalls().chdir(p);
}

struct Interruption {
  const char* name;
  std::function<void(detail::syscalls&)> inject;
  eintr_mode how;
};

class Interrupted : public Reliability, public ::testing::WithParamInterface<Interruption> {};

TEST_P(Interrupted, CallIsRetriedAndTheStartSucceeds) {
  constexpr int kRepeats = 5;
  const fs::path pid_file = path("app.pid");
  int succeeded = 0;
  for (int i = 0; i < kRepeats; ++i) {
    fs::remove(path("observed"));
    // A stale file, so that the flock/read of an existing file is exercised too.
    if (i % 2 == 1) write_file(pid_file, "1234567\n");
    const auto r = invoke([&] {
      mode = GetParam().how;
      GetParam().inject(sys());
      daemonize(pid_file, {.chdir = dir(), .stdout_goto = path("out.log")});
      report_held_inode(dir());
    });
    ASSERT_EQ(r.exit_code, 0) << "EINTR was not retried: " << r.stderr_text;
    EXPECT_EQ(r.stderr_text, "");
    const observation o = await_observation();
    EXPECT_EQ(read_file(pid_file), o.at("pid") + "\n");
    EXPECT_TRUE(is_locked(pid_file));
    EXPECT_EQ(stop(std::stoi(o.at("pid"))), 0);
    expect_nothing_left(dir(), {"out.log", "invoker.stderr", "observed"});
    ++succeeded;
  }
  figures(std::string("eintr_") + GetParam().name,
          {{"starts", kRepeats}, {"succeeded", succeeded}});
}

#define EINTR_CASE(entry, fn)                                                                  \
  Interruption{#entry "Once", [](detail::syscalls& s) { s.entry = fn; }, eintr_mode::once},    \
      Interruption {                                                                           \
    #entry "Alternating", [](detail::syscalls& s) { s.entry = fn; }, eintr_mode::alternating \
  }

INSTANTIATE_TEST_SUITE_P(Daemonize, Interrupted,
                         ::testing::Values(EINTR_CASE(open, open_eintr),
                                           EINTR_CASE(read, read_eintr),
                                           EINTR_CASE(write, write_eintr),
                                           EINTR_CASE(send, send_eintr),
                                           EINTR_CASE(flock, flock_eintr),
                                           EINTR_CASE(waitpid, waitpid_eintr),
                                           EINTR_CASE(poll, poll_eintr),
                                           EINTR_CASE(dup2, dup2_eintr),
                                           EINTR_CASE(chdir, chdir_eintr)),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace daemoniker::testing
