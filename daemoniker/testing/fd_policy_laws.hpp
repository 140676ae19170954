// daemoniker/testing/fd_policy_laws.hpp — the laws of fd_policy (daemoniker/policy/fd.hpp), as
// a typed-parameterized GoogleTest suite:
//
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, FdPolicyLaws, ::testing::Types<my_sweep>);
//     }
//
// A policy for which switches_step_off<P> is true (no_sweep) must instead close nothing.
//
// On Windows the fds are the C runtime's (_open, _dup2); the top of the range is that of the
// runtime's descriptor table instead of RLIMIT_NOFILE. Only no_sweep is shipped there.
#pragma once

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemoniker/policy/fd.hpp"
#include "daemoniker/testing/harness.hpp"

namespace daemoniker::testing {

template <>
inline constexpr bool switches_step_off<no_sweep> = true;

namespace laws_detail {

/// A set of fds, in shared memory.
struct fd_set_seen {
  int count;
  int fd[1024];
  void add(int f) noexcept {
    if (count < 1024) fd[count++] = f;
  }
  [[nodiscard]] bool has(int f) const noexcept { return std::find(fd, fd + count, f) != fd + count; }
  [[nodiscard]] std::string text() const {
    std::string out;
    for (int i = 0; i < count; ++i) out += (i == 0 ? "" : ",") + std::to_string(fd[i]);
    return out;
  }
};

#if defined(_WIN32)
/// The C runtime's descriptors end at 2048 (msvcrt's _NHANDLE_).
inline constexpr int kRuntimeFds = 2048;

/// This process's open fds.
inline void list_open_fds(fd_set_seen& out) {
  for (int fd = 0; fd < kRuntimeFds; ++fd) {
    if (::_get_osfhandle(fd) != -1) out.add(fd);
  }
}

/// The highest fd this process may open.
inline int highest_fd() { return kRuntimeFds - 1; }

/// A new fd on NUL, read-only.
inline int open_null() { return ::_open("NUL", _O_RDONLY); }

/// Opens NUL as fd `at` exactly.
inline int open_at(int at) {
  const int fd = open_null();
  if (fd == -1 || ::_dup2(fd, at) != 0) throw std::runtime_error("cannot open fd " + std::to_string(at));
  if (fd != at) ::_close(fd);
  return at;
}
#else
/// A new fd on /dev/null, read-only.
inline int open_null() { return ::open("/dev/null", O_RDONLY); }

/// This process's open fds (without the one used to list them).
inline void list_open_fds(fd_set_seen& out) {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) throw std::runtime_error("cannot list /proc/self/fd");
  const int own = ::dirfd(d);
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd != own) out.add(fd);
  }
  ::closedir(d);
}

/// The highest fd this process may open (RLIMIT_NOFILE's soft limit, less one).
inline int highest_fd() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == -1 || lim.rlim_cur < 64) {
    throw std::runtime_error("RLIMIT_NOFILE is too low for the fd laws (64 at least)");
  }
  return static_cast<int>(std::min<rlim_t>(lim.rlim_cur, 1 << 20) - 1);
}

/// Opens /dev/null as fd `at` exactly.
inline int open_at(int at) {
  const int fd = ::open("/dev/null", O_RDONLY);
  if (fd == -1 || ::dup2(fd, at) != at) throw std::runtime_error("cannot open fd " + std::to_string(at));
  if (fd != at) ::close(fd);
  return at;
}
#endif

/// What a sweep left: its status, the open fds, stdio before and after.
struct sweep_seen {
  step_status status;
  fd_set_seen opened, shielded, open_after;
  file_id stdio_before[3], stdio_after[3];
};

/// Sweeps with `q` in this process and records what is left.
template <class P>
void sweep_and_look(const plan& q, sweep_seen& s) {
  for (int fd = 0; fd < 3; ++fd) s.stdio_before[fd] = id_of(fd);
  s.status = policy_factory<P>::make().sweep(q);
  for (int fd = 0; fd < 3; ++fd) s.stdio_after[fd] = id_of(fd);
  list_open_fds(s.open_after);
}

}  // namespace laws_detail

/// The laws, one function each; FdPolicyLaws runs them.
template <class P>
struct fd_policy_laws {
  static_assert(fd_policy<P>, "FdPolicyLaws<P>: P does not model daemoniker::fd_policy");
  static constexpr bool off = switches_step_off<P>;

  /// `sweep` closes every fd >= 3 that is not in plan.shielded_fds — a low one, one in the
  /// middle and one at the very top of RLIMIT_NOFILE's range — and leaves fds 0, 1, 2 as
  /// they were and the shielded ones open.
  static void closes_every_unshielded_fd_above_two() {
    laws_detail::scratch_dir dir;
    laws_detail::shared<laws_detail::sweep_seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      plan q = laws_detail::plan_for(dir / "law.pid");
      const int top = laws_detail::highest_fd();
      for (const int fd : {laws_detail::open_at(top / 2), laws_detail::open_at(top),
                           laws_detail::open_at(top - 2), laws_detail::open_null()}) {
        s->opened.add(fd);
      }
      for (const int fd : {laws_detail::open_at(top - 7), laws_detail::open_null()}) {
        s->shielded.add(fd);
        q.shield(fd);
      }
      laws_detail::sweep_and_look<P>(q, *s);
    }));
    check(*s);
  }

  /// Shielded fds at 3, next to each other and alone between closed ones all stay open; every
  /// fd around them is closed.
  static void shielded_fds_next_to_each_other_and_at_three_stay_open() {
    laws_detail::scratch_dir dir;
    laws_detail::shared<laws_detail::sweep_seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      plan q = laws_detail::plan_for(dir / "law.pid");
      for (int fd = 3; fd <= 12; ++fd) {
        laws_detail::open_at(fd);
        const bool shield = fd == 3 || fd == 5 || fd == 6 || fd == 9;
        (shield ? s->shielded : s->opened).add(fd);
        if (shield) q.shield(fd);
      }
      laws_detail::sweep_and_look<P>(q, *s);
    }));
    check(*s);
  }

 private:
  static void check(const laws_detail::sweep_seen& s) {
    ASSERT_TRUE(s.status.ok()) << laws_detail::text(s.status);
    for (int fd = 0; fd < 3; ++fd) {
      EXPECT_EQ(s.stdio_after[fd], s.stdio_before[fd]) << "fd " << fd << " was changed";
    }
    for (int i = 0; i < s.shielded.count; ++i) {
      EXPECT_TRUE(s.open_after.has(s.shielded.fd[i])) << "shielded fd " << s.shielded.fd[i] << " was closed";
    }
    for (int i = 0; i < s.opened.count; ++i) {
      EXPECT_EQ(s.open_after.has(s.opened.fd[i]), off)
          << "fd " << s.opened.fd[i] << (off ? " was closed" : " survived the sweep");
    }
    if constexpr (!off) {  // 0, 1, 2 and the shielded ones: nothing else
      EXPECT_EQ(s.open_after.count, 3 + s.shielded.count) << "open after the sweep: " << s.open_after.text();
    }
  }
};

/// The suite: `INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, FdPolicyLaws, ::testing::Types<P...>)`.
template <class P>
class FdPolicyLaws : public ::testing::Test {};

TYPED_TEST_SUITE_P(FdPolicyLaws);

TYPED_TEST_P(FdPolicyLaws, ClosesEveryUnshieldedFdAboveTwo) {
  fd_policy_laws<TypeParam>::closes_every_unshielded_fd_above_two();
}
TYPED_TEST_P(FdPolicyLaws, ShieldedFdsNextToEachOtherAndAtThreeStayOpen) {
  fd_policy_laws<TypeParam>::shielded_fds_next_to_each_other_and_at_three_stay_open();
}

REGISTER_TYPED_TEST_SUITE_P(FdPolicyLaws, ClosesEveryUnshieldedFdAboveTwo,
                            ShieldedFdsNextToEachOtherAndAtThreeStayOpen);

}  // namespace daemoniker::testing
