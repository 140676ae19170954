// daemoniker/testing/pid_policy_laws.hpp — the laws of pid_policy (daemoniker/policy/pid.hpp),
// as a typed-parameterized GoogleTest suite to instantiate for your own policy:
//
//     #include "daemoniker/testing/pid_policy_laws.hpp"
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, PidPolicyLaws, ::testing::Types<my_pid_file>);
//     }
//
// (GoogleTest pastes the suite's name into identifiers: the line goes inside the namespace.)
// Each law runs the policy in a child process; see harness.hpp. A policy for which
// switches_step_off<P> is true (no_pid_file) must instead leave the file system as it was.
//
// On Windows the suite has laws 1, 4 and 7 (validate creates nothing, a directory is refused,
// reclaim removes the failed daemon's unlocked file): the others observe the lock with flock(2),
// fork a lock holder or waiter, or a daemon that keeps the file — POSIX's, so they are not
// instantiated there (their Windows counterparts are in tests/windows_test.cc).
#pragma once

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "daemoniker/policy/pid.hpp"
#include "daemoniker/testing/harness.hpp"
#include "daemoniker/testing/pid_files.hpp"

namespace daemoniker::testing {

template <>
inline constexpr bool switches_step_off<no_pid_file> = true;

/// The laws, one function each; PidPolicyLaws runs them. Each reports with EXPECT/ASSERT.
template <class P>
struct pid_policy_laws {
  static_assert(pid_policy<P>, "PidPolicyLaws<P>: P does not model daemoniker::pid_policy");
  static constexpr bool off = switches_step_off<P>;

  /// `validate` accepts a fresh path in an existing directory and creates nothing there.
  static void validate_accepts_a_fresh_path_and_creates_nothing() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    struct seen { step_status status; };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] { s->status = policy_factory<P>::make().validate(p); }));
    EXPECT_TRUE(s->status.ok()) << laws_detail::text(s->status);
    EXPECT_EQ(laws_detail::listing(dir.path()), "") << "validate runs before anything forks";
  }

#if !defined(_WIN32)
  /// After `acquire`, the file holds the caller's pid and the caller holds an exclusive flock.
  static void acquire_writes_the_callers_pid_under_an_exclusive_lock() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    struct seen {
      step_status status;
      pid_t caller;
      char line[64];
      bool exclusive, by_caller;
    };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      P policy = policy_factory<P>::make();
      s->status = policy.acquire(p);
      s->caller = ::getpid();
      laws_detail::copy_to(s->line, laws_detail::first_line(p.pid_file));
      s->exclusive = laws_detail::locked_exclusively(p.pid_file);
      s->by_caller = laws_detail::holds_exclusive_flock(p.pid_file);
    }));
    ASSERT_TRUE(s->status.ok()) << laws_detail::text(s->status);
    if constexpr (off) {
      EXPECT_EQ(laws_detail::listing(dir.path()), "");
    } else {
      EXPECT_EQ(std::string(s->line), std::to_string(s->caller)) << "the file's first line";
      EXPECT_TRUE(s->exclusive) << "the file must be flock()ed exclusively";
      EXPECT_TRUE(s->by_caller) << "the lock must be held through a descriptor of the caller";
    }
  }

  /// `acquire` on a file another live process holds locked fails with already_running naming
  /// that process, and leaves the file and its directory as they were.
  static void acquire_refuses_a_locked_file_and_leaves_nothing_behind() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    struct seen {
      step_status status;
      pid_t holder;
      char listing[1024], line[64];
    };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      s->holder = laws_detail::start_lock_holder(p.pid_file);
      if (s->holder <= 0) throw std::runtime_error("cannot start the lock holder");
      s->status = policy_factory<P>::make().acquire(p);
      laws_detail::copy_to(s->listing, laws_detail::listing(dir.path()));
      laws_detail::copy_to(s->line, laws_detail::first_line(p.pid_file));
    }));
    EXPECT_EQ(std::string(s->listing), "law.pid") << "a failed acquire leaves nothing behind";
    EXPECT_EQ(std::string(s->line), std::to_string(s->holder)) << "the holder's file was changed";
    if constexpr (!off) {
      EXPECT_EQ(s->status.failed, step::already_running) << laws_detail::text(s->status);
      EXPECT_EQ(s->status.detail, s->holder) << "already_running names the holder's pid";
    }
  }

#endif  // !defined(_WIN32)

  /// `acquire` fails when its path names a directory, and leaves nothing behind.
  static void acquire_refuses_a_directory_and_leaves_nothing_behind() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    std::filesystem::create_directory(p.pid_file);
    struct seen { step_status status; };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] { s->status = policy_factory<P>::make().acquire(p); }));
    EXPECT_EQ(laws_detail::listing(dir.path()), "law.pid") << "a failed acquire leaves nothing";
    EXPECT_TRUE(std::filesystem::is_directory(p.pid_file));
    EXPECT_EQ(laws_detail::listing(p.pid_file), "");
    if constexpr (!off) {
      EXPECT_FALSE(s->status.ok()) << "acquire took a directory for a pid file";
    }
  }

#if !defined(_WIN32)
  /// `abandon` removes the file, and unlinks it *before* it releases the lock: a process that
  /// waited for the lock finds the file already nameless.
  static void abandon_unlinks_before_it_unlocks() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    struct seen {
      step_status status;
      laws_detail::waiter_seen waiter;
      bool exists_after;
    };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      const int cpu = laws_detail::pin_here();
      P policy = policy_factory<P>::make();
      s->status = policy.acquire(p);
      if (!s->status.ok() || off) return;
      laws_detail::start_lock_waiter(p.pid_file, s->waiter, cpu);
      laws_detail::yield_priority();
      policy.abandon(p);
      s->exists_after = std::filesystem::exists(p.pid_file);
      laws_detail::await([&] { return s->waiter.got_lock != 0; }, std::chrono::seconds(5));
    }));
    ASSERT_TRUE(s->status.ok()) << laws_detail::text(s->status);
    EXPECT_FALSE(std::filesystem::exists(p.pid_file)) << "abandon must remove the file";
    if constexpr (!off) {
      EXPECT_FALSE(s->exists_after) << "abandon must remove the file";
      ASSERT_EQ(s->waiter.got_lock, 1) << "abandon must release the lock";
      EXPECT_EQ(s->waiter.links_when_locked, 0) << "the lock was released before the unlink";
    }
  }

  /// After `keep_until_exit`, the caller keeps the file locked for its whole life — also once
  /// the policy object is gone — and normal exit unlinks it before the lock is released.
  static void keep_until_exit_holds_the_file_until_exit_then_unlinks_before_unlocking();
#endif  // !defined(_WIN32)

  /// `reclaim(plan, pid)` removes an unlocked file that holds `pid`.
  static void reclaim_removes_an_unlocked_file_holding_that_pid() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    std::ofstream(p.pid_file) << "4242\n";
    ASSERT_TRUE(laws_detail::in_child([&] { policy_factory<P>::make().reclaim(p, 4242); }));
    EXPECT_EQ(std::filesystem::exists(p.pid_file), off) << "reclaim(plan, 4242) on \"4242\\n\"";
  }

#if !defined(_WIN32)
  /// `reclaim(plan, pid)` keeps a file that is locked, or that holds another pid.
  static void reclaim_keeps_a_locked_file_or_one_holding_another_pid() {
    laws_detail::scratch_dir dir;
    const plan p = laws_detail::plan_for(dir / "law.pid");
    const plan other = laws_detail::plan_for(dir / "other.pid");
    std::ofstream(other.pid_file) << "4243\n";
    struct seen { pid_t holder; };
    laws_detail::shared<seen> s;
    ASSERT_TRUE(laws_detail::in_child([&] {
      s->holder = laws_detail::start_lock_holder(p.pid_file);
      if (s->holder <= 0) throw std::runtime_error("cannot start the lock holder");
      P policy = policy_factory<P>::make();
      policy.reclaim(p, s->holder);
      policy.reclaim(other, 4242);
    }));
    EXPECT_EQ(laws_detail::first_line(p.pid_file), std::to_string(s->holder)) << "a locked file";
    EXPECT_EQ(laws_detail::first_line(other.pid_file), "4243") << "a file holding another pid";
  }
#endif  // !defined(_WIN32)
};

#if !defined(_WIN32)
namespace laws_detail {

/// A daemon of P, in a process of its own: it acquires the pid file, keeps it until exit and
/// drops the policy object; told to, it ends as a program does, with exit(0).
template <class P>
class kept_daemon {
 public:
  kept_daemon(const plan& p, step_status& status) {
    int ready[2], go[2];
    if (::pipe2(ready, O_CLOEXEC) == -1 || ::pipe2(go, O_CLOEXEC) == -1) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == -1) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(go[1]);
      run(p, status, ready[1], go[0]);
    }
    ::close(ready[1]);
    ::close(go[0]);
    go_ = go[1];
    await_byte(ready[0]);
    ::close(ready[0]);
  }
  kept_daemon(const kept_daemon&) = delete;
  kept_daemon& operator=(const kept_daemon&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// Lets it exit, and reaps it.
  void exit() {
    ::close(go_);  // EOF: exit now
    ::waitpid(pid_, nullptr, 0);
  }

 private:
  [[noreturn]] static void run(const plan& p, step_status& status, int ready, int go) {
    {
      P policy = policy_factory<P>::make();
      status = policy.acquire(p);
      if (status.ok()) policy.keep_until_exit(p);
    }
    (void)!::write(ready, "r", 1);
    await_byte(go);
    yield_priority();
    std::exit(0);
  }

  pid_t pid_;
  int go_;
};

}  // namespace laws_detail

template <class P>
void pid_policy_laws<P>::keep_until_exit_holds_the_file_until_exit_then_unlinks_before_unlocking() {
  laws_detail::scratch_dir dir;
  const plan p = laws_detail::plan_for(dir / "law.pid");
  struct seen {
    step_status status;
    pid_t daemon;
    char line[64];
    bool exclusive, exists_after;
    laws_detail::waiter_seen waiter;
  };
  laws_detail::shared<seen> s;
  ASSERT_TRUE(laws_detail::in_child([&] {
    const int cpu = laws_detail::pin_here();
    laws_detail::kept_daemon<P> daemon(p, s->status);
    s->daemon = daemon.pid();
    laws_detail::copy_to(s->line, laws_detail::first_line(p.pid_file));
    s->exclusive = laws_detail::locked_exclusively(p.pid_file);
    if (s->status.ok() && !off) laws_detail::start_lock_waiter(p.pid_file, s->waiter, cpu);
    daemon.exit();
    s->exists_after = std::filesystem::exists(p.pid_file);
    if (!off) laws_detail::await([&] { return s->waiter.got_lock != 0; }, std::chrono::seconds(5));
  }));
  ASSERT_TRUE(s->status.ok()) << laws_detail::text(s->status);
  EXPECT_FALSE(s->exists_after) << "normal exit must remove the file";
  if constexpr (!off) {
    EXPECT_EQ(std::string(s->line), std::to_string(s->daemon)) << "the file's first line";
    EXPECT_TRUE(s->exclusive) << "the lock must stay with the caller until it exits";
    ASSERT_EQ(s->waiter.got_lock, 1) << "the lock must be released at exit";
    EXPECT_EQ(s->waiter.links_when_locked, 0) << "the lock was released before the unlink";
  }
}

#endif  // !defined(_WIN32)

/// The suite: `INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, PidPolicyLaws, ::testing::Types<P...>)`.
template <class P>
class PidPolicyLaws : public ::testing::Test {};

TYPED_TEST_SUITE_P(PidPolicyLaws);

TYPED_TEST_P(PidPolicyLaws, ValidateAcceptsAFreshPathAndCreatesNothing) {
  pid_policy_laws<TypeParam>::validate_accepts_a_fresh_path_and_creates_nothing();
}
TYPED_TEST_P(PidPolicyLaws, AcquireRefusesADirectoryAndLeavesNothingBehind) {
  pid_policy_laws<TypeParam>::acquire_refuses_a_directory_and_leaves_nothing_behind();
}
TYPED_TEST_P(PidPolicyLaws, ReclaimRemovesAnUnlockedFileHoldingThatPid) {
  pid_policy_laws<TypeParam>::reclaim_removes_an_unlocked_file_holding_that_pid();
}

#if defined(_WIN32)
REGISTER_TYPED_TEST_SUITE_P(PidPolicyLaws, ValidateAcceptsAFreshPathAndCreatesNothing,
                            AcquireRefusesADirectoryAndLeavesNothingBehind,
                            ReclaimRemovesAnUnlockedFileHoldingThatPid);
#else
TYPED_TEST_P(PidPolicyLaws, AcquireWritesTheCallersPidUnderAnExclusiveLock) {
  pid_policy_laws<TypeParam>::acquire_writes_the_callers_pid_under_an_exclusive_lock();
}
TYPED_TEST_P(PidPolicyLaws, AcquireRefusesALockedFileAndLeavesNothingBehind) {
  pid_policy_laws<TypeParam>::acquire_refuses_a_locked_file_and_leaves_nothing_behind();
}
TYPED_TEST_P(PidPolicyLaws, AbandonUnlinksBeforeItUnlocks) {
  pid_policy_laws<TypeParam>::abandon_unlinks_before_it_unlocks();
}
TYPED_TEST_P(PidPolicyLaws, KeepUntilExitHoldsTheFileUntilExitThenUnlinksBeforeUnlocking) {
  pid_policy_laws<TypeParam>::keep_until_exit_holds_the_file_until_exit_then_unlinks_before_unlocking();
}
TYPED_TEST_P(PidPolicyLaws, ReclaimKeepsALockedFileOrOneHoldingAnotherPid) {
  pid_policy_laws<TypeParam>::reclaim_keeps_a_locked_file_or_one_holding_another_pid();
}

REGISTER_TYPED_TEST_SUITE_P(PidPolicyLaws, ValidateAcceptsAFreshPathAndCreatesNothing,
                            AcquireWritesTheCallersPidUnderAnExclusiveLock,
                            AcquireRefusesALockedFileAndLeavesNothingBehind,
                            AcquireRefusesADirectoryAndLeavesNothingBehind,
                            AbandonUnlinksBeforeItUnlocks,
                            KeepUntilExitHoldsTheFileUntilExitThenUnlinksBeforeUnlocking,
                            ReclaimRemovesAnUnlockedFileHoldingThatPid,
                            ReclaimKeepsALockedFileOrOneHoldingAnotherPid);
#endif

}  // namespace daemoniker::testing
