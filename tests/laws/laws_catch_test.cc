// The laws can fail: each law is run, with its failures captured, against a policy that breaks
// it on purpose, and must report the breach. (laws_test shows that the shipped models keep
// them.) The broken policies are as small as possible, and each says which law it breaks.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/policy/reexec.hpp>
#include "daemoniker/testing/laws.hpp"

namespace daemoniker::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using law = void (*)();

// Runs one law with its failures captured; returns their messages.
std::vector<std::string> failures_of(law l) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter capture(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    l();
  }
  std::vector<std::string> messages;
  for (int i = 0; i < results.size(); ++i) {
    const auto& r = results.GetTestPartResult(i);
    if (r.failed()) messages.emplace_back(r.message());
  }
  return messages;
}

// Every law in `laws` reports at least one failure.
void expect_each_caught(const std::vector<std::pair<const char*, law>>& laws) {
  for (const auto& [name, l] : laws) EXPECT_THAT(failures_of(l), Not(IsEmpty())) << name << " let it pass";
}

// ---- PidPolicy ------------------------------------------------------------------------------

// Breaks every PidPolicy law but "reclaim removes": creates the file in validate, writes it
// unlocked through a temporary name it leaves behind on failure, replaces a live daemon's file,
// never removes it, and reclaims whatever is there.
struct careless_pid_file {
  step_status validate(const plan& p) const {
    ::close(::open(p.pid_file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    return {};
  }
  step_status acquire(const plan& p) noexcept {
    char tmp[4096];
    std::snprintf(tmp, sizeof tmp, "%s.tmp", p.pid_file.c_str());
    const int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char line[32];
    const int n = std::snprintf(line, sizeof line, "%d\n", ::getpid());
    if (fd == -1 || ::write(fd, line, n) != n) return step_status::failure(step::pid_file, errno, tmp);
    ::close(fd);
    if (::rename(tmp, p.pid_file.c_str()) == -1) return step_status::failure(step::pid_file, errno, tmp);
    return {};
  }
  void abandon(const plan&) noexcept {}
  void keep_until_exit(const plan&) noexcept {}
  void reclaim(const plan& p, long long) noexcept { ::unlink(p.pid_file.c_str()); }
};

// Releases the lock, then unlinks: a starter that waited for the lock takes a file about to go.
struct unlock_then_unlink : locked_pid_file {
  void abandon(const plan& p) noexcept {
    ::flock(fd, LOCK_UN);
    ::unlink(p.pid_file.c_str());
    ::close(fd);
    fd = -1;
  }
};

// Keeps the lock only as long as the policy object lives.
struct lock_dropped_with_the_object : locked_pid_file {
  lock_dropped_with_the_object() = default;
  lock_dropped_with_the_object(const lock_dropped_with_the_object&) = delete;
  ~lock_dropped_with_the_object() {
    if (fd != -1) ::close(fd);
  }
  void keep_until_exit(const plan&) noexcept {}
};

// Never removes what a failed daemon left.
struct forgetful_reclaim : locked_pid_file {
  void reclaim(const plan&, long long) noexcept {}
};

TEST(PidPolicyLawsCatch, ACarelessPidFile) {
  using laws = pid_policy_laws<careless_pid_file>;
  expect_each_caught({
      {"ValidateAcceptsAFreshPathAndCreatesNothing", &laws::validate_accepts_a_fresh_path_and_creates_nothing},
      {"AcquireWritesTheCallersPidUnderAnExclusiveLock", &laws::acquire_writes_the_callers_pid_under_an_exclusive_lock},
      {"AcquireRefusesALockedFileAndLeavesNothingBehind", &laws::acquire_refuses_a_locked_file_and_leaves_nothing_behind},
      {"AcquireRefusesADirectoryAndLeavesNothingBehind", &laws::acquire_refuses_a_directory_and_leaves_nothing_behind},
      {"AbandonUnlinksBeforeItUnlocks", &laws::abandon_unlinks_before_it_unlocks},
      {"KeepUntilExitHolds...", &laws::keep_until_exit_holds_the_file_until_exit_then_unlinks_before_unlocking},
      {"ReclaimKeepsALockedFileOrOneHoldingAnotherPid", &laws::reclaim_keeps_a_locked_file_or_one_holding_another_pid},
  });
}

// The law sees the order through a process that waits for the lock and, woken by its release,
// looks at the file before the releasing process goes on — which the scheduler almost always,
// but not certainly, grants (a loaded machine delays the waiter now and then). So: five tries.
TEST(PidPolicyLawsCatch, AnAbandonThatUnlocksBeforeItUnlinks) {
  int caught = 0;
  for (int round = 0; round < 5; ++round) {
    const auto failures = failures_of(&pid_policy_laws<unlock_then_unlink>::abandon_unlinks_before_it_unlocks);
    for (const auto& f : failures) EXPECT_THAT(f, HasSubstr("the lock was released before the unlink"));
    caught += failures.empty() ? 0 : 1;
  }
  EXPECT_GE(caught, 1) << "the breach went unseen five times";
}

TEST(PidPolicyLawsCatch, ALockThatGoesWithThePolicyObject) {
  EXPECT_THAT(failures_of(&pid_policy_laws<lock_dropped_with_the_object>::
                              keep_until_exit_holds_the_file_until_exit_then_unlinks_before_unlocking),
              Contains(HasSubstr("the lock must stay with the caller until it exits")));
}

TEST(PidPolicyLawsCatch, AReclaimThatRemovesNothing) {
  EXPECT_THAT(failures_of(&pid_policy_laws<forgetful_reclaim>::reclaim_removes_an_unlocked_file_holding_that_pid),
              Not(IsEmpty()));
}

// ---- RedirectPolicy -------------------------------------------------------------------------

// Leaves stdio as it is without declaring keeps_caller_stdio.
struct silent_inherit {
  step_status redirect(const plan&) const noexcept { return {}; }
};

// Declares keeps_caller_stdio, and installs the plan's targets all the same.
struct keeps_but_redirects : redirect_stdio {
  static constexpr bool keeps_caller_stdio = true;
};

// Leaves stdout close-on-exec: programs the daemon starts lose it.
struct cloexec_stdout : redirect_stdio {
  step_status redirect(const plan& p) const noexcept {
    const step_status s = redirect_stdio::redirect(p);
    ::fcntl(1, F_SETFD, FD_CLOEXEC);
    return s;
  }
};

// Blames stdout for every stream that fails.
struct blames_stdout : redirect_stdio {
  step_status redirect(const plan& p) const noexcept {
    step_status s = redirect_stdio::redirect(p);
    if (!s.ok()) s.failed = step::stdout_redirect;
    return s;
  }
};

TEST(RedirectPolicyLawsCatch, ARedirectThatDoesNothing) {
  using laws = redirect_policy_laws<silent_inherit>;
  expect_each_caught({
      {"StdioEndsUpWhereThePlanSays", &laws::stdio_ends_up_where_the_plan_says},
      {"NoStandardStreamIsLeftClosed", &laws::no_standard_stream_is_left_closed},
      {"AnUnusableTargetFailsWithItsStreamsStepAndPath", &laws::an_unusable_target_fails_with_its_streams_step_and_path},
  });
}

TEST(RedirectPolicyLawsCatch, KeepsCallerStdioThatDoesNot) {
  using laws = redirect_policy_laws<keeps_but_redirects>;
  expect_each_caught({
      {"StdioEndsUpWhereThePlanSays", &laws::stdio_ends_up_where_the_plan_says},
      {"AnUnusableTargetFailsWithItsStreamsStepAndPath", &laws::an_unusable_target_fails_with_its_streams_step_and_path},
  });
}

TEST(RedirectPolicyLawsCatch, AStreamLeftCloseOnExec) {
  EXPECT_THAT(failures_of(&redirect_policy_laws<cloexec_stdout>::stdio_ends_up_where_the_plan_says),
              Contains(HasSubstr("fd 1 is close-on-exec")));
}

TEST(RedirectPolicyLawsCatch, AFailureBlamedOnTheWrongStream) {
  EXPECT_THAT(failures_of(&redirect_policy_laws<blames_stdout>::an_unusable_target_fails_with_its_streams_step_and_path),
              Contains(HasSubstr("stream 0")));
}

// ---- FdPolicy -------------------------------------------------------------------------------

// Marks inherited fds close-on-exec instead of closing them (docs/examples/custom_policy.cc's
// cloexec_sweep): a fine policy, but not an FdPolicy by the laws.
struct cloexec_only_sweep {
  step_status sweep(const plan&) const noexcept {
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    return {};
  }
};

// Closes up to a fixed 1024 only: an fd above it survives.
struct sweep_to_1024 {
  step_status sweep(const plan& p) const noexcept {
    for (int fd = 3; fd < 1024; ++fd) {
      if (!p.is_shielded(fd)) ::close(fd);
    }
    return {};
  }
};

// Closes every gap including the shielded fd that ends it.
struct off_by_one_sweep {
  step_status sweep(const plan& p) const noexcept {
    unsigned lo = 3;
    for (const int kept : p.shielded_fds) {
      if (static_cast<unsigned>(kept) >= lo) ::close_range(lo, static_cast<unsigned>(kept), 0);
      lo = static_cast<unsigned>(kept) + 1;
    }
    ::close_range(lo, ~0U, 0);
    return {};
  }
};

TEST(FdPolicyLawsCatch, MarkingCloseOnExecIsNotClosing) {
  EXPECT_THAT(failures_of(&fd_policy_laws<cloexec_only_sweep>::closes_every_unshielded_fd_above_two),
              Contains(HasSubstr("survived the sweep")));
}

TEST(FdPolicyLawsCatch, ASweepThatStopsShortOfTheLimit) {
  if (laws_detail::highest_fd() < 1024) GTEST_SKIP() << "RLIMIT_NOFILE is 1024 or less here";
  EXPECT_THAT(failures_of(&fd_policy_laws<sweep_to_1024>::closes_every_unshielded_fd_above_two),
              Contains(HasSubstr("survived the sweep")));
}

TEST(FdPolicyLawsCatch, ASweepThatClosesShieldedFds) {
  using laws = fd_policy_laws<off_by_one_sweep>;
  EXPECT_THAT(failures_of(&laws::closes_every_unshielded_fd_above_two), Contains(HasSubstr("was closed")));
  EXPECT_THAT(failures_of(&laws::shielded_fds_next_to_each_other_and_at_three_stay_open),
              Contains(HasSubstr("was closed")));
}

// ---- HandoffPolicy --------------------------------------------------------------------------

// One fork, no new session, no waiting: the invoking process returns role::invoker at once,
// whatever becomes of the daemon. And it does not know where it is.
struct hasty_handoff {
  [[nodiscard]] bool is_setup() const noexcept { return false; }
  role launch(plan& p, const stages& st) {
    if (::fork() != 0) return role::invoker;
    if (!st.scrub(p).ok() || !st.settle(p).ok()) ::_exit(1);
    return role::daemon;
  }
};

TEST(HandoffPolicyLawsCatch, AHastyHandoff) {
  using laws = handoff_policy_laws<hasty_handoff>;
  expect_each_caught({
      {"IsSetupInTheOriginalProcess", &laws::is_setup_in_the_original_process},
      {"ReturnsInvokerOnlyAfterTheDaemonConfirmed", &laws::returns_invoker_only_after_the_daemon_confirmed},
      {"RunsScrubAtMostOnceThenSettleExactlyOnce", &laws::runs_scrub_at_most_once_then_settle_exactly_once},
      {"AFailedSettleIsReportedAndReclaimed", &laws::a_failed_settle_is_reported_and_reclaimed},
      {"AFailedScrubIsReportedAndNothingSettles", &laws::a_failed_scrub_is_reported_and_nothing_settles},
      {"ADaemonThatDoesNotConfirmInTimeIsKilled", &laws::a_daemon_that_does_not_confirm_in_time_is_killed},
      {"ADeferredConfirmationWaitsForNotifyReady", &laws::a_deferred_confirmation_waits_for_notify_ready},
  });
}

// reexec_handoff, but its re-launched daemon settles once more before the handoff does: only a
// law that follows the daemon into the new run of the program (a re-run of the law,
// daemoniker/testing/harness.hpp) can see it.
struct reexec_that_settles_twice : reexec_handoff {
  role launch(plan& p, const stages& st) {
    if (!is_setup()) (void)st.settle(p);
    return reexec_handoff::launch(p, st);
  }
};

TEST(HandoffPolicyLawsCatch, ARelaunchedDaemonThatSettlesTwice) {
  using laws = handoff_policy_laws<reexec_that_settles_twice>;
  EXPECT_THAT(failures_of(&laws::returns_invoker_only_after_the_daemon_confirmed),
              Contains(HasSubstr("log->settle_calls")));
  EXPECT_THAT(failures_of(&laws::runs_scrub_at_most_once_then_settle_exactly_once),
              Contains(HasSubstr("log->settle_calls")));
}

// ---- PrivilegePolicy ------------------------------------------------------------------------

// Changes the invoking process (umask), the plan outside identity (umask), and gives another
// identity each time.
struct meddling_privileges {
  step_status prepare(plan& p) const {
    ::umask(077);
    p.umask = 077;
    p.identity.groups.push_back(static_cast<unsigned>(++calls));
    return {};
  }
  mutable int calls = 0;
};

TEST(PrivilegePolicyLawsCatch, AMeddlingPrepare) {
  using laws = privilege_policy_laws<meddling_privileges>;
  expect_each_caught({
      {"PrepareFillsInPlanIdentityOnly", &laws::prepare_fills_in_plan_identity_only},
      {"PrepareLeavesTheInvokingProcessAsItWas", &laws::prepare_leaves_the_invoking_process_as_it_was},
      {"PrepareGivesTheSameIdentityEachTime", &laws::prepare_gives_the_same_identity_each_time},
  });
}

// A null object that is not one: it resolves an identity.
struct not_quite_keep_privileges {
  step_status prepare(plan& p) const {
    p.identity.prevent_core = true;
    return {};
  }
};

}  // namespace

template <>
inline constexpr bool switches_step_off<not_quite_keep_privileges> = true;

namespace {

TEST(PrivilegePolicyLawsCatch, ANullObjectThatChangesTheIdentity) {
  EXPECT_THAT(failures_of(&privilege_policy_laws<not_quite_keep_privileges>::prepare_fills_in_plan_identity_only),
              Contains(HasSubstr("a null object changed the identity")));
}

// ---- The harness ----------------------------------------------------------------------------

// Processes that a body left behind, daemon-like (a new session, parent gone): in_child ends
// them all, also when the body hangs and its time runs out.
struct left_behind {
  pid_t pid[2];
};

void start_detached_sleeper(left_behind& l, int slot) {
  if (::fork() == 0) {
    ::setsid();
    const pid_t d = ::fork();
    if (d == 0) {
      for (;;) ::pause();
    }
    l.pid[slot] = d;
    ::_exit(0);
  }
  laws_detail::await([&] { return l.pid[slot] != 0; });
}

bool has_ended(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }

TEST(Harness, LeavesNoProcessBehind) {
  laws_detail::shared<left_behind> l;
  ASSERT_TRUE(laws_detail::in_child([&] { start_detached_sleeper(*l, 0); }));
  EXPECT_TRUE(has_ended(l->pid[0])) << "pid " << l->pid[0];
}

TEST(Harness, EndsABodyThatHangsAndWhatItStarted) {
  laws_detail::shared<left_behind> l;
  const auto ran = laws_detail::in_child(
      [&] {
        start_detached_sleeper(*l, 0);
        start_detached_sleeper(*l, 1);
        for (;;) ::pause();
      },
      std::chrono::seconds(1));
  EXPECT_FALSE(ran);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("did not finish within 1 s"));
  EXPECT_TRUE(has_ended(l->pid[0]) && has_ended(l->pid[1])) << l->pid[0] << ", " << l->pid[1];
}

// The handoff laws never talk to the supervisor of the test itself: foreground_handoff would
// send READY=1 to $NOTIFY_SOCKET, but the harness has unset it.
TEST(Harness, HandoffLawsNeverNotifyTheTestsSupervisor) {
  // Autobind: the kernel picks an unused abstract name, which NOTIFY_SOCKET spells "@name".
  const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(sa_family_t)), 0) << std::strerror(errno);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len), 0) << std::strerror(errno);
  const std::string name(addr.sun_path + 1, len - offsetof(sockaddr_un, sun_path) - 1);
  ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
  notify_ready();  // the control: this does reach the socket
  handoff_policy_laws<foreground_handoff>::returns_invoker_only_after_the_daemon_confirmed();
  ::unsetenv("NOTIFY_SOCKET");
  char buf[256];
  EXPECT_GT(::recv(sock, buf, sizeof buf, MSG_DONTWAIT), 0) << "the control did not arrive";
  EXPECT_EQ(::recv(sock, buf, sizeof buf, MSG_DONTWAIT), -1) << "the law notified the supervisor";
  ::close(sock);
}

}  // namespace
}  // namespace daemoniker::testing
