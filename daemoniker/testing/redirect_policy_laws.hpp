// daemoniker/testing/redirect_policy_laws.hpp — the laws of redirect_policy
// (daemoniker/policy/redirect.hpp), as a typed-parameterized GoogleTest suite:
//
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, RedirectPolicyLaws, ::testing::Types<my_stdio>);
//     }
//
// A policy that declares `static constexpr bool keeps_caller_stdio = true` is checked for
// keeping the caller's streams instead of installing the plan's.
//
// POSIX only: on Windows there is no suite. A Windows daemon gets its standard handles when the
// handoff creates its process (src/windows/handoff.cc opens the plan's targets, or passes the
// caller's own for keeps_caller_stdio), and a RedirectPolicy's `redirect` has nothing left to
// do there: the shipped models' return success at once. These laws look at fds 0, 1 and 2
// after `redirect`, which on Windows is not where the redirection happens; tests/windows_test.cc
// checks the daemon's handles instead.
#pragma once

#if !defined(_WIN32)

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "daemoniker/policy/redirect.hpp"
#include "daemoniker/testing/harness.hpp"

namespace daemoniker::testing {
namespace laws_detail {

/// What basic_daemonizer tells the plan: the policy keeps the caller's stdio.
template <class P>
inline constexpr bool keeps_caller_stdio_v = requires { requires P::keeps_caller_stdio; };

/// The plan of a redirect law: stdin from dir/in (which exists), stdout to dir/out, stderr to
/// dir/err, as basic_daemonizer builds it for P.
template <class P>
plan stdio_plan(const std::filesystem::path& dir) {
  std::ofstream(dir / "in") << "in\n";
  plan p = plan_for(dir / "law.pid", {.stdin_goto = dir / "in", .stdout_goto = dir / "out",
                                      .stderr_goto = dir / "err"});
  p.keeps_caller_stdio = keeps_caller_stdio_v<P>;
  return p;
}

/// Puts `path` on `fd`, opened with `flags` (the caller's own stdio, before the policy runs).
inline void install(int fd, const std::filesystem::path& path, int flags) {
  const int opened = ::open(path.c_str(), flags | O_CREAT, 0644);
  if (opened == -1 || ::dup2(opened, fd) == -1) throw std::runtime_error("cannot set up stdio");
  if (opened != fd) ::close(opened);
}

/// fds 0, 1 and 2 as they are now: which file, and whether close-on-exec.
struct stdio_seen {
  file_id id[3];
  bool cloexec[3];
};
inline void look_at_stdio(stdio_seen& s) noexcept {
  for (int fd = 0; fd < 3; ++fd) {
    s.id[fd] = id_of(fd);
    s.cloexec[fd] = (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
  }
}

}  // namespace laws_detail

/// The laws, one function each; RedirectPolicyLaws runs them.
template <class P>
struct redirect_policy_laws {
  static_assert(redirect_policy<P>,
                "RedirectPolicyLaws<P>: P does not model daemoniker::redirect_policy");
  static constexpr bool keeps = laws_detail::keeps_caller_stdio_v<P>;

  /// On success, fds 0, 1, 2 are the plan's stdin_goto, stdout_goto and stderr_goto — or the
  /// caller's own streams when P declares keeps_caller_stdio — and none is close-on-exec.
  static void stdio_ends_up_where_the_plan_says() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::stdio_plan<P>(dir.path());
    std::ofstream(dir / "caller.in") << "caller\n";
    struct seen {
      step_status status;
      laws_detail::stdio_seen after;
    };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      laws_detail::install(0, dir / "caller.in", O_RDONLY);
      laws_detail::install(1, dir / "caller.out", O_WRONLY | O_APPEND);
      laws_detail::install(2, dir / "caller.err", O_WRONLY | O_APPEND);
      s->status = policy_factory<P>::make().redirect(p);
      laws_detail::look_at_stdio(s->after);
    }));
    ASSERT_TRUE(s->status.ok()) << laws_detail::text(s->status);
    const char* want[3] = {keeps ? "caller.in" : "in", keeps ? "caller.out" : "out",
                           keeps ? "caller.err" : "err"};
    for (int fd = 0; fd < 3; ++fd) {
      EXPECT_EQ(s->after.id[fd], laws_detail::id_of(dir / want[fd])) << "fd " << fd << " is not " << want[fd];
      EXPECT_FALSE(s->after.cloexec[fd]) << "fd " << fd << " is close-on-exec";
    }
  }

  /// When the caller had closed its stdio, fds 0, 1 and 2 are open afterwards all the same
  /// (and not close-on-exec): no file the daemon opens later can become one of them.
  static void no_standard_stream_is_left_closed() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::stdio_plan<P>(dir.path());
    struct seen {
      step_status status;
      laws_detail::stdio_seen after;
    };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      for (int fd = 0; fd < 3; ++fd) ::close(fd);
      s->status = policy_factory<P>::make().redirect(p);
      laws_detail::look_at_stdio(s->after);
    }));
    ASSERT_TRUE(s->status.ok()) << laws_detail::text(s->status);
    for (int fd = 0; fd < 3; ++fd) {
      EXPECT_NE(s->after.id[fd], laws_detail::file_id{}) << "fd " << fd << " was left closed";
      EXPECT_FALSE(s->after.cloexec[fd]) << "fd " << fd << " is close-on-exec";
    }
  }

  /// A target that cannot be opened fails with that stream's step (step::stdin_redirect, ...)
  /// and its path as subject. With keeps_caller_stdio the plan's targets are not used: the
  /// same plan succeeds and creates nothing.
  static void an_unusable_target_fails_with_its_streams_step_and_path() {
    laws_detail::scratch_dir dir;
    struct seen { step_status status[3]; };
    laws_detail::shared<seen> s;
    const std::filesystem::path missing = dir / "missing" / "stream";
    ASSERT_TRUE(laws_detail::in_child([&] {
      for (int i = 0; i < 3; ++i) s->status[i] = policy_factory<P>::make().redirect(unusable(dir.path(), i));
    }));
    constexpr step which[3] = {step::stdin_redirect, step::stdout_redirect, step::stderr_redirect};
    for (int i = 0; i < 3; ++i) {
      if constexpr (keeps) {
        EXPECT_TRUE(s->status[i].ok()) << laws_detail::text(s->status[i]);
      } else {
        EXPECT_EQ(s->status[i].failed, which[i]) << "stream " << i << ": " << laws_detail::text(s->status[i]);
        EXPECT_EQ(std::string(s->status[i].subject), missing.string()) << "stream " << i;
        EXPECT_NE(s->status[i].error, 0) << "stream " << i << ": the errno is missing";
      }
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
  }

 private:
  // The stdio plan with stream `i`'s target in a directory that does not exist.
  static plan unusable(const std::filesystem::path& dir, int i) {
    plan p = laws_detail::stdio_plan<P>(dir);
    (i == 0 ? p.stdin_goto : i == 1 ? p.stdout_goto : p.stderr_goto) = dir / "missing" / "stream";
    return p;
  }
};

/// The suite: `INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, RedirectPolicyLaws, ::testing::Types<P...>)`.
template <class P>
class RedirectPolicyLaws : public ::testing::Test {};

TYPED_TEST_SUITE_P(RedirectPolicyLaws);

TYPED_TEST_P(RedirectPolicyLaws, StdioEndsUpWhereThePlanSays) {
  redirect_policy_laws<TypeParam>::stdio_ends_up_where_the_plan_says();
}
TYPED_TEST_P(RedirectPolicyLaws, NoStandardStreamIsLeftClosed) {
  redirect_policy_laws<TypeParam>::no_standard_stream_is_left_closed();
}
TYPED_TEST_P(RedirectPolicyLaws, AnUnusableTargetFailsWithItsStreamsStepAndPath) {
  redirect_policy_laws<TypeParam>::an_unusable_target_fails_with_its_streams_step_and_path();
}

REGISTER_TYPED_TEST_SUITE_P(RedirectPolicyLaws, StdioEndsUpWhereThePlanSays,
                            NoStandardStreamIsLeftClosed,
                            AnUnusableTargetFailsWithItsStreamsStepAndPath);

}  // namespace daemoniker::testing

#endif  // !defined(_WIN32)
