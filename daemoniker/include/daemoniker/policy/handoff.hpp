// daemoniker/policy/handoff.hpp — HandoffPolicy: how the daemon process comes to be, and how
// the invoking process learns that it started.
//
// Concept `handoff_policy<H>`.
//
// Minimal complete definition:
//
//   | expression            | where it runs        | returns                                   |
//   |-----------------------|----------------------|-------------------------------------------|
//   | `h.is_setup()`        | anywhere             | `bool`: true in the original process      |
//   | `h.launch(plan, st)`  | the invoking process | `role::daemon` in the daemon, `role::invoker` in the invoking process once the daemon confirmed |
//
// Optional traits:
//
//   | trait           | type                    | absent | when true                                  |
//   |-----------------|-------------------------|--------|--------------------------------------------|
//   | `H::relaunches` | `static constexpr bool` | false  | the daemon is a new run of the program: basic_daemonizer encodes the preserved arguments into `st.payload`, and the handoff passes them to `st.accept` in the daemon before it confirms (`relaunches_v<H>`) |
//   | `H::posix_only` | `static constexpr bool` | false  | the model cannot work on Windows: using it there fails to compile, naming the platform; for the shipped models, so does calling `launch` on one directly (DAEMONIKER_POSIX_ONLY) |
//
// Laws. `st` holds the stages basic_daemonizer composes (below). Each law is a test of
// daemoniker::testing::HandoffPolicyLaws (daemoniker/testing/handoff_policy_laws.hpp), which
// drives `launch` with a plan and stages of its own:
//   1. `is_setup()` is true in the original process.
//   2. `launch` returns role::invoker only once the daemon has settled and confirmed, and
//      role::daemon in exactly one process: the one `st.settle` ran in (for a handoff that stays
//      in the foreground, the invoking process itself); plan.daemon_pid, when set, names it.
//   3. It runs `st.scrub` at most once — never in the invoking process, but in the one whose pid
//      becomes the daemon's session — and `st.settle` exactly once, after `st.scrub`.
//   4. When `st.settle` fails, it returns role::failed with *st.failure set to settle's status;
//      no process returns role::daemon; a daemon process is gone, and passed to `st.reclaim`.
//   5. When `st.scrub` fails, it returns role::failed with *st.failure set to scrub's status;
//      `st.settle` never runs, and the process that ran scrub is gone.
//   6. A daemon process that does not confirm within plan.success_timeout is killed: `launch`
//      returns role::failed (step::startup), no sooner than the timeout, and passes its pid to
//      `st.reclaim`.
//   7. With `st.defer_confirmation`, it returns role::invoker only after the daemon called
//      notify_ready().
// After role::failed the invoking process decides: daemonize() prints and exits, try_daemonize()
// returns the error; a policy never ends the invoking process itself. A re-launched daemon
// (`H::relaunches`) runs the program's main() afresh — for a law, the test program's, which
// the suite follows as a re-run of the law (daemoniker/testing/harness.hpp): every law applies.
//
// Models: `fork_handoff` (POSIX default; POSIX only), `foreground_handoff`, `await_ready<H>`,
// `reexec_handoff` (Windows default; daemoniker/policy/reexec.hpp). See docs/policies.md#handoffpolicy.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <concepts>
#include <string_view>

#include "daemoniker/detail/function_ref.hpp"
#include "daemoniker/fwd.hpp"
#include "daemoniker/plan.hpp"

namespace daemoniker {

/// Which side of the handoff the caller is on after `launch`: the invoking process once the
/// daemon confirmed, the daemon, or the invoking process after a failure (stages::failure says
/// what; everything the attempt started was stopped and cleaned up).
enum class role { invoker, daemon, failed };

/// The work a HandoffPolicy schedules, composed by basic_daemonizer from the other policies.
struct stages {
  /// fd sweep, then signal reset — before setsid(). Async-signal-safe.
  detail::function_ref<step_status(const plan&) noexcept> scrub;
  /// umask, chdir, stdio, pid file, credentials — in the daemon, stops at the first failure.
  /// Async-signal-safe.
  detail::function_ref<step_status(const plan&) noexcept> settle;
  /// Undo `settle` when the confirmation cannot be delivered. Async-signal-safe.
  detail::function_ref<void(const plan&) noexcept> abandon;
  /// Remove what the daemon with this pid left behind when it failed: in the invoking process,
  /// or in the first child when the invoking process is gone. Async-signal-safe.
  detail::function_ref<void(const plan&, long long) noexcept> reclaim;
  /// For a handoff that re-launches the program (`H::relaunches`): the preserved arguments,
  /// encoded by the invoking process (daemoniker/serialize.hpp) ...
  std::string_view payload;
  /// ... and, in the re-launched daemon, where they are decoded — before it confirms, so that a
  /// corrupt payload is reported to the invoking process. Not async-signal-safe: a re-launched
  /// daemon is a fresh process image.
  detail::function_ref<step_status(std::string_view) noexcept> accept;
  /// The daemon confirms later, when the program calls daemoniker::notify_ready() (set by
  /// await_ready): the handoff keeps the channel to the invoking process open for it.
  bool defer_confirmation = false;
  /// Where `launch` says what failed before it returns role::failed (invoking process only).
  step_status* failure = nullptr;
};

/// True for a HandoffPolicy that starts the daemon as a new run of the program (Windows, and
/// `reexec_handoff` on POSIX): the preserved arguments then cross as bytes and must be
/// serializable (daemoniker/serialize.hpp); with fork() they are simply copied.
template <class H>
inline constexpr bool relaunches_v = requires { requires H::relaunches; };

template <class H>
concept handoff_policy = requires(H& h, const H& ch, plan& pl, const stages& st) {
  { ch.is_setup() } noexcept -> std::same_as<bool>;
  { h.launch(pl, st) } -> std::same_as<role>;
};

/// fork(), setsid(), fork() again — POSIX only: on Windows, using it (or foreground_handoff,
/// or await_ready<fork_handoff>) fails to compile with a message naming the platform. The
/// first child stays until the daemon confirmed and relays the daemon's report (or its exit status) to the invoking process over a close-on-exec
/// socket; the daemon is never a session leader and its parent becomes init (or the nearest
/// subreaper) as soon as it is confirmed.
///
/// fork() copies only the calling thread: in a process that runs other threads, the daemon
/// could inherit a lock (malloc's, stdio's, yours) that no thread will ever release. So a
/// multi-threaded caller is refused, naming reexec_handoff as the fix — unless
/// `allow_threads` says the caller knows every thread and what it holds:
///
///     basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep, fork_handoff>
///         d{{}, {}, {}, fork_handoff{.allow_threads = true}};
///
/// Under a supervisor that expects the program in the foreground (detect_supervisor():
/// systemd Type=notify or socket activation, runit, s6, daemontools, a container's PID 1 or a
/// container init such as tini) it does not fork at all —
/// daemon(7) asks for the SysV steps to be optional: umask, chdir, stdio (streams left to their
/// default stay with the supervisor), the pid file and readiness (READY=1) still happen, the
/// fd sweep, signal reset, forks and new session do not. `detach` forces either way. They
/// happen to the caller itself: when one fails, the caller gets back its umask, working
/// directory and fds 0-2, and the pid file taken is removed, before launch returns
/// role::failed — not what a failing privilege drop applied (docs/api.md).
enum class detach_mode { unless_supervised, always, never };

struct fork_handoff {
  static constexpr bool posix_only = true;
  bool allow_threads = false;
  detach_mode detach = detach_mode::unless_supervised;
  [[nodiscard]] bool is_setup() const noexcept { return true; }
  DAEMONIKER_POSIX_ONLY("fork_handoff",
                        "there is no fork() on Windows: use reexec_handoff, the default on "
                        "Windows, or await_ready<> over it")
  role launch(plan& p, const stages& st);
};

/// Never forks: the foreground model of fork_handoff (for debugging, or a supervisor that
/// detect_supervisor() does not know).
struct foreground_handoff : fork_handoff {
  foreground_handoff() noexcept { detach = detach_mode::never; }
};

/// Wraps a HandoffPolicy so that the invoking process waits until the program is *ready* —
/// it calls daemoniker::notify_ready() (daemoniker/notify.hpp) after binding its sockets and
/// loading its configuration — or notify_failed(message, code), whose message the invoking
/// process prints and whose code it exits with. plan.success_timeout bounds the wait;
/// daemoniker::extend_timeout() extends it.
///
///     using ready_daemonizer = daemoniker::daemonizer_with<daemoniker::await_ready<>>;
template <class Handoff = default_handoff>
struct await_ready : Handoff {
  role launch(plan& p, const stages& st) {
    stages deferred = st;
    deferred.defer_confirmation = true;
    return Handoff::launch(p, deferred);
  }
};

// reexec_handoff (declared in daemoniker/policy/reexec.hpp, which brings the serializer with
// it): the same double fork, but the daemon then exec()s the program again (/proc/self/exe) and
// receives the plan and the preserved arguments over an inherited socket: `main` runs again
// from the top, `is_setup()` is false there, and the daemonize() call it reaches returns the
// arguments that crossed. For programs that cannot safely go on after fork() — already
// multi-threaded — and the model of how Windows works.

}  // namespace daemoniker
