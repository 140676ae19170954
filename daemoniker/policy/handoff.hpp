// daemoniker/policy/handoff.hpp — HandoffPolicy: how the daemon process comes to be, and how
// the invoking process learns that it started.
//
// Concept `handoff_policy<H>` — minimal complete definition:
//
//   | expression            | where it runs        | returns                                   |
//   |-----------------------|----------------------|-------------------------------------------|
//   | `h.is_setup()`        | anywhere             | `bool`: true in the original process      |
//   | `h.launch(plan, st)`  | the invoking process | `role::daemon` in the daemon, `role::invoker` in the invoking process once the daemon confirmed |
//
// Laws: `launch` runs `st.detach` in the process that is about to start the new session and
// `st.settle` in the daemon, in that order, each at most once; it returns `role::invoker` only
// after the daemon confirmed, and otherwise never returns in the invoking process: it reports
// the failure (detail::fail_invoker) so that the invoking process exits non-zero and nothing is
// left behind (it calls `st.reclaim` with the dead daemon's pid, and kills a daemon that did not
// confirm within plan.success_timeout).
//
// Models: `fork_handoff` (POSIX default). See docs/policies.md#handoffpolicy.
#pragma once

#include <concepts>

#include "daemoniker/detail/function_ref.hpp"
#include "daemoniker/plan.hpp"

namespace daemoniker {

/// Which side of the handoff the caller is on after `launch`.
enum class role { invoker, daemon };

/// The work a HandoffPolicy schedules, composed by basic_daemonizer from the other policies.
struct stages {
  /// fd sweep, then signal reset — before setsid(). Async-signal-safe.
  detail::function_ref<step_status(const plan&) noexcept> detach;
  /// umask, chdir, stdio, pid file — in the daemon, stops at the first failure. Async-signal-safe.
  detail::function_ref<step_status(const plan&) noexcept> settle;
  /// Undo `settle` when the confirmation cannot be delivered. Async-signal-safe.
  detail::function_ref<void(const plan&) noexcept> abandon;
  /// In the invoking process: remove what the daemon with this pid left behind when it failed.
  detail::function_ref<void(const plan&, long long) noexcept> reclaim;
};

template <class H>
concept handoff_policy = requires(H& h, const H& ch, plan& pl, const stages& st) {
  { ch.is_setup() } noexcept -> std::same_as<bool>;
  { h.launch(pl, st) } -> std::same_as<role>;
};

/// fork(), setsid(), fork() again. The first child stays until the daemon confirmed and relays
/// the daemon's report (or its exit status) to the invoking process over a close-on-exec
/// socket; the daemon is never a session leader and its parent becomes init (or the nearest
/// subreaper) as soon as it is confirmed.
struct fork_handoff {
  [[nodiscard]] bool is_setup() const noexcept { return true; }
  role launch(plan& p, const stages& st);
};

}  // namespace daemoniker
