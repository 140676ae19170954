// daemoniker/testing/handoff_policy_laws.hpp — the laws of handoff_policy
// (daemoniker/policy/handoff.hpp), as a typed-parameterized GoogleTest suite:
//
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, HandoffPolicyLaws, ::testing::Types<my_handoff>);
//     }
//
// Each law calls `launch` in a harness process (harness.hpp) with a plan and with stages built
// here, whose scrub, settle, abandon and reclaim record in shared memory where, when and how
// often they ran. The daemon, when `launch` returns role::daemon in a new process, records that
// and exits at once. A handoff that stays in the foreground (the daemon is the invoking process)
// is held to the laws that apply to it. The harness unsets NOTIFY_SOCKET and LISTEN_* first, so
// that a law never talks to the supervisor of the test itself.
//
// A re-launching handoff (`H::relaunches`, reexec_handoff) starts the daemon as a new run of the
// program: that daemon runs the test program's main() afresh. The law lets it carry on as a
// re-run (harness.hpp) — GoogleTest runs only that law in it, whose body finds the same shared
// memory and reaches the same `launch`, which in the re-launched daemon settles and confirms —
// so every law applies to it. A re-launched daemon takes longer to start: the law of the
// timeout gives it 5 s instead of 300 ms to reach settle.
//
// On Windows (reexec_handoff, await_ready<reexec_handoff>) every law is instantiated too: the
// re-launched daemon runs scrub itself (no process precedes it), and the session part of law 3
// is POSIX's.
#pragma once

#if defined(_WIN32)
#if !defined(NOMINMAX)
#define NOMINMAX  // std::min and std::max, not <windows.h>'s macros
#endif
#include <windows.h>
#else
#include <signal.h>
#include <unistd.h>
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/notify.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/testing/harness.hpp"

namespace daemoniker::testing {
namespace laws_detail {

enum class settle_mode { succeed, fail, hang };

/// What the stages of a handoff law are to do, and what every process saw.
struct handoff_log {
  // What to do.
  bool scrub_fails;
  settle_mode settle;
  bool deferred;
  long long harness;
  // What happened, wherever it happened.
  std::atomic<int> clock, scrub_calls, settle_calls, reclaim_calls, daemon_returns;
  std::atomic<int> settle_done, ready_sent;
  int scrub_seq, settle_seq;
  long long scrub_pid, settle_pid, settle_sid, daemon_returned_in;
  long long reclaimed;
  // In the invoking process, right after `launch` returned.
  role returned;
  step_status failure;
  long long plan_daemon_pid, elapsed_ms;
  bool settle_done_then, ready_sent_then, scrub_process_gone, settle_process_gone;
};

inline void sleep_ms(long ms) noexcept {
#if defined(_WIN32)
  ::Sleep(static_cast<DWORD>(ms));
#else
  timespec t{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
#endif
}

/// True when `pid` has ended (a zombie counts: it has released everything it held).
inline bool gone(long long pid) {
  if (pid <= 0) return true;
#if defined(_WIN32)
  HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
  if (h == nullptr) return true;
  const bool ended = ::WaitForSingleObject(h, 0) == WAIT_OBJECT_0;
  ::CloseHandle(h);
  return ended;
#else
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all;
  if (!std::getline(stat, all)) return true;
  const auto paren = all.rfind(')');
  return paren != std::string::npos && paren + 2 < all.size() &&
         (all[paren + 2] == 'Z' || all[paren + 2] == 'X');
#endif
}

/// The session this process is in (0 on Windows, which has none).
inline long long current_session() noexcept {
#if defined(_WIN32)
  return 0;
#else
  return ::getsid(0);
#endif
}

// What the real scrub does after the sweep: every handler back to its default, an empty mask.
// (Windows: a scrub would run in a new process, with nothing inherited to reset.)
inline step_status default_signals() noexcept {
#if defined(_WIN32)
  return {};
#else
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) (void)::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) == -1) {
    return step_status::failure(step::signals, errno, "law: sigprocmask");
  }
  return {};
#endif
}

// The stages. Async-signal-safe: atomics, getpid, getsid, nanosleep, sigaction.
inline step_status logged_scrub(handoff_log& log, const plan& p) noexcept {
  ++log.scrub_calls;
  log.scrub_pid = current_pid();
  log.scrub_seq = ++log.clock;
  if (log.scrub_fails) return step_status::failure(step::sweep, EBADF, "law: scrub failed");
  (void)p;
  return default_signals();
}
inline step_status logged_settle(handoff_log& log, const plan&) noexcept {
  ++log.settle_calls;
  log.settle_pid = current_pid();
  log.settle_sid = current_session();
  log.settle_seq = ++log.clock;
  if (log.settle == settle_mode::fail) return step_status::failure(step::policy, 0, "law: settle failed");
  if (log.settle == settle_mode::hang && current_pid() != log.harness) {
    for (;;) sleep_ms(1000);  // until the invoking process gives up and kills it
  }
  sleep_ms(100);  // a daemon that takes its time: the invoking process must wait for it
  log.settle_done = 1;
  return {};
}

/// In a process that `launch` returned in, other than the invoking one: the daemon records
/// that, confirms when the program is to (deferred confirmation) and exits.
[[noreturn]] inline void be_the_daemon(handoff_log& log, role r) noexcept {
  if (r == role::daemon) {
    ++log.daemon_returns;
    log.daemon_returned_in = current_pid();
  }
  if (log.deferred) sleep_ms(100);
  log.ready_sent = 1;
  notify_ready();  // the program's confirmation, for a handoff that awaits it (await_ready)
  end_process(0);
}

/// In the invoking process, once `launch` returned.
inline void record_return(handoff_log& log, role r, const step_status& failure, const plan& p,
                          std::chrono::steady_clock::time_point start) {
  log.returned = r;
  log.failure = failure;
  log.plan_daemon_pid = p.daemon_pid;
  log.settle_done_then = log.settle_done != 0;
  log.ready_sent_then = log.ready_sent != 0;
  log.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start).count();
  log.scrub_process_gone = log.scrub_pid == log.harness || gone(log.scrub_pid);
  log.settle_process_gone = log.settle_pid == log.harness || gone(log.settle_pid);
  if (r == role::daemon) {  // in the foreground: the invoking process is the daemon
    ++log.daemon_returns;
    log.daemon_returned_in = current_pid();
  }
  if (r == role::invoker) await([&] { return log.daemon_returns != 0; }, std::chrono::seconds(5));
}

inline void forget_supervisor() {
  for (const char* v : {"NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                        "WATCHDOG_USEC", "WATCHDOG_PID"}) {
    unset_variable(v);
  }
}

/// Runs H::launch in a harness with stages that record into `log` (set up what to do first).
/// A re-launching handoff's daemon runs this body again, as a re-run of the law (harness.hpp),
/// where the harness is already named and `launch` carries on as the daemon.
template <class H>
::testing::AssertionResult launch_logged(handoff_log& log, const plan& planned) {
  return in_child([&] {
    forget_supervisor();
    plan p = planned;
    H h = policy_factory<H>::make();
    if (log.harness == 0) log.harness = current_pid();  // not in a re-launched daemon
    if constexpr (relaunches_v<H>) let_a_relaunched_daemon_carry_on();
    auto scrub = [&log](const plan& q) noexcept { return logged_scrub(log, q); };
    auto settle = [&log](const plan& q) noexcept { return logged_settle(log, q); };
    auto abandon = [](const plan&) noexcept {};
    auto reclaim = [&log](const plan&, long long pid) noexcept {
      ++log.reclaim_calls;
      log.reclaimed = pid;
    };
    auto accept = [](std::string_view) noexcept -> step_status { return {}; };
    step_status failure;
    const stages st{scrub, settle, abandon, reclaim, {}, accept, log.deferred, &failure};
    const auto start = std::chrono::steady_clock::now();
    const role r = h.launch(p, st);
    if (current_pid() != log.harness) be_the_daemon(log, r);
    record_return(log, r, failure, p, start);
  });
}

inline const char* role_name(role r) {
  return r == role::invoker ? "invoker" : r == role::daemon ? "daemon" : "failed";
}

}  // namespace laws_detail

/// The laws, one function each; HandoffPolicyLaws runs them.
template <class H>
struct handoff_policy_laws {
  static_assert(handoff_policy<H>, "HandoffPolicyLaws<H>: H does not model daemoniker::handoff_policy");
  using log_t = laws_detail::shared<laws_detail::handoff_log>;

  /// `is_setup()` is true in the original process.
  static void is_setup_in_the_original_process() {
    laws_detail::shared<bool> setup;
    ASSERT_TRUE(laws_detail::in_child([&] { *setup = policy_factory<H>::make().is_setup(); }));
    EXPECT_TRUE(*setup) << "is_setup() is false in the original process";
  }

  /// `launch` returns role::invoker only once the daemon has settled and confirmed, and
  /// role::daemon in the daemon — the process settle ran in; plan.daemon_pid, when set, names it.
  static void returns_invoker_only_after_the_daemon_confirmed() {
    laws_detail::scratch_dir dir;
    log_t log;
    ASSERT_TRUE(laws_detail::launch_logged<H>(*log, quick_plan(dir)));
    ASSERT_NE(log->returned, role::failed) << laws_detail::text(log->failure);
    EXPECT_EQ(log->settle_calls, 1);
    EXPECT_EQ(log->daemon_returns, 1) << "exactly one process is the daemon";
    EXPECT_EQ(log->daemon_returned_in, log->settle_pid) << "role::daemon, but not where settle ran";
    if (log->returned == role::invoker) {
      EXPECT_TRUE(log->settle_done_then) << "role::invoker before the daemon settled";
      EXPECT_NE(log->settle_pid, log->harness) << "role::invoker, but settle ran in the invoking process";
      if (log->plan_daemon_pid != 0) {
        EXPECT_EQ(log->plan_daemon_pid, log->settle_pid) << "plan.daemon_pid names another process";
      }
    }
  }

  /// `launch` runs scrub at most once, in a process that then starts the daemon's session
  /// (never in the invoking process), and settle exactly once, after scrub.
  static void runs_scrub_at_most_once_then_settle_exactly_once() {
    laws_detail::scratch_dir dir;
    log_t log;
    ASSERT_TRUE(laws_detail::launch_logged<H>(*log, quick_plan(dir)));
    ASSERT_NE(log->returned, role::failed) << laws_detail::text(log->failure);
    EXPECT_LE(log->scrub_calls, 1);
    EXPECT_EQ(log->settle_calls, 1);
    if (log->scrub_calls == 1) {
      EXPECT_LT(log->scrub_seq, log->settle_seq) << "settle ran before scrub";
      EXPECT_NE(log->scrub_pid, log->harness) << "scrub ran in the invoking process";
#if !defined(_WIN32)  // sessions are POSIX's
      EXPECT_EQ(log->settle_sid, log->scrub_pid) << "the daemon's session is not led by scrub's process";
#endif
    }
  }

  /// When settle fails, `launch` returns role::failed with *stages.failure set to settle's
  /// status, no process becomes the daemon, and a daemon process is gone and reclaimed.
  static void a_failed_settle_is_reported_and_reclaimed() {
    laws_detail::scratch_dir dir;
    log_t log;
    log->settle = laws_detail::settle_mode::fail;
    ASSERT_TRUE(laws_detail::launch_logged<H>(*log, quick_plan(dir)));
    ASSERT_EQ(log->returned, role::failed) << laws_detail::role_name(log->returned);
    EXPECT_EQ(log->failure.failed, step::policy) << laws_detail::text(log->failure);
    EXPECT_STREQ(log->failure.subject, "law: settle failed");
    EXPECT_EQ(log->settle_calls, 1);
    EXPECT_EQ(log->daemon_returns, 0) << "a process that failed to settle became the daemon";
    if (log->settle_pid != log->harness) {
      EXPECT_TRUE(log->settle_process_gone) << "the failed daemon still runs";
      EXPECT_EQ(log->reclaim_calls, 1);
      EXPECT_EQ(log->reclaimed, log->settle_pid) << "reclaim must name the failed daemon";
    }
  }

  /// When scrub fails, `launch` returns role::failed with *stages.failure set to scrub's
  /// status, settle never runs, and the process that ran scrub is gone.
  static void a_failed_scrub_is_reported_and_nothing_settles() {
    laws_detail::scratch_dir dir;
    log_t log;
    log->scrub_fails = true;
    ASSERT_TRUE(laws_detail::launch_logged<H>(*log, quick_plan(dir)));
    EXPECT_LE(log->scrub_calls, 1);
    if (log->scrub_calls == 0) {  // a handoff that runs no scrub (in the foreground) settles
      EXPECT_NE(log->returned, role::failed) << laws_detail::text(log->failure);
      return;
    }
    ASSERT_EQ(log->returned, role::failed) << laws_detail::role_name(log->returned);
    EXPECT_EQ(log->failure.failed, step::sweep) << laws_detail::text(log->failure);
    EXPECT_STREQ(log->failure.subject, "law: scrub failed");
    EXPECT_EQ(log->settle_calls, 0) << "settle ran after scrub failed";
    EXPECT_EQ(log->daemon_returns, 0);
    EXPECT_TRUE(log->scrub_process_gone) << "the process that failed to scrub still runs";
  }

  /// A daemon process that does not confirm within plan.success_timeout is killed: `launch`
  /// returns role::failed (step::startup) no sooner than the timeout, and reclaims it.
  static void a_daemon_that_does_not_confirm_in_time_is_killed() {
    laws_detail::scratch_dir dir;
    log_t log;
    log->settle = laws_detail::settle_mode::hang;
    // Long enough for a re-launched daemon (a new run of the test program) to reach settle.
    constexpr std::chrono::milliseconds timeout{relaunches_v<H> ? 5000 : 300};
    ASSERT_TRUE(laws_detail::launch_logged<H>(
        *log, laws_detail::plan_for(dir / "law.pid", {.success_timeout = timeout})));
    ASSERT_EQ(log->settle_calls, 1);
    if (log->settle_pid == log->harness) {  // in the foreground: nobody waits for a confirmation
      EXPECT_EQ(log->returned, role::daemon);
      return;
    }
    ASSERT_EQ(log->returned, role::failed) << laws_detail::role_name(log->returned);
    EXPECT_EQ(log->failure.failed, step::startup) << laws_detail::text(log->failure);
    EXPECT_GE(log->elapsed_ms, timeout.count()) << "gave up before plan.success_timeout";
    EXPECT_TRUE(log->settle_process_gone) << "the daemon that did not confirm still runs";
    EXPECT_EQ(log->reclaimed, log->settle_pid) << "reclaim must name the killed daemon";
  }

  /// With stages.defer_confirmation, the daemon confirms when the program calls
  /// notify_ready(): `launch` returns role::invoker only after that.
  static void a_deferred_confirmation_waits_for_notify_ready() {
    laws_detail::scratch_dir dir;
    log_t log;
    log->deferred = true;
    ASSERT_TRUE(laws_detail::launch_logged<H>(*log, quick_plan(dir)));
    ASSERT_NE(log->returned, role::failed) << laws_detail::text(log->failure);
    EXPECT_EQ(log->daemon_returns, 1);
    if (log->returned == role::invoker) {
      EXPECT_TRUE(log->ready_sent_then) << "role::invoker before the daemon called notify_ready()";
    }
  }

 private:
  static plan quick_plan(const laws_detail::scratch_dir& dir) {
    return laws_detail::plan_for(dir / "law.pid", {.success_timeout = std::chrono::seconds(10)});
  }
};

/// The suite: `INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, HandoffPolicyLaws, ::testing::Types<H...>)`.
template <class H>
class HandoffPolicyLaws : public ::testing::Test {};

TYPED_TEST_SUITE_P(HandoffPolicyLaws);

TYPED_TEST_P(HandoffPolicyLaws, IsSetupInTheOriginalProcess) {
  handoff_policy_laws<TypeParam>::is_setup_in_the_original_process();
}
TYPED_TEST_P(HandoffPolicyLaws, ReturnsInvokerOnlyAfterTheDaemonConfirmed) {
  handoff_policy_laws<TypeParam>::returns_invoker_only_after_the_daemon_confirmed();
}
TYPED_TEST_P(HandoffPolicyLaws, RunsScrubAtMostOnceThenSettleExactlyOnce) {
  handoff_policy_laws<TypeParam>::runs_scrub_at_most_once_then_settle_exactly_once();
}
TYPED_TEST_P(HandoffPolicyLaws, AFailedSettleIsReportedAndReclaimed) {
  handoff_policy_laws<TypeParam>::a_failed_settle_is_reported_and_reclaimed();
}
TYPED_TEST_P(HandoffPolicyLaws, AFailedScrubIsReportedAndNothingSettles) {
  handoff_policy_laws<TypeParam>::a_failed_scrub_is_reported_and_nothing_settles();
}
TYPED_TEST_P(HandoffPolicyLaws, ADaemonThatDoesNotConfirmInTimeIsKilled) {
  handoff_policy_laws<TypeParam>::a_daemon_that_does_not_confirm_in_time_is_killed();
}
TYPED_TEST_P(HandoffPolicyLaws, ADeferredConfirmationWaitsForNotifyReady) {
  handoff_policy_laws<TypeParam>::a_deferred_confirmation_waits_for_notify_ready();
}

REGISTER_TYPED_TEST_SUITE_P(HandoffPolicyLaws, IsSetupInTheOriginalProcess,
                            ReturnsInvokerOnlyAfterTheDaemonConfirmed,
                            RunsScrubAtMostOnceThenSettleExactlyOnce,
                            AFailedSettleIsReportedAndReclaimed,
                            AFailedScrubIsReportedAndNothingSettles,
                            ADaemonThatDoesNotConfirmInTimeIsKilled,
                            ADeferredConfirmationWaitsForNotifyReady);

}  // namespace daemoniker::testing
