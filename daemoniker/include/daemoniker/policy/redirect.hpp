// daemoniker/policy/redirect.hpp — RedirectPolicy: what the daemon's stdin/stdout/stderr are.
//
// Concept `redirect_policy<P>`.
//
// Minimal complete definition:
//
//   | expression          | where it runs                          | returns       |
//   |---------------------|----------------------------------------|---------------|
//   | `p.redirect(plan)`  | the daemon, after umask() and chdir()  | `step_status` |
//
// Optional traits:
//
//   | trait                   | type                    | absent | when true                          |
//   |-------------------------|-------------------------|--------|------------------------------------|
//   | `P::keeps_caller_stdio` | `static constexpr bool` | false  | the daemon keeps the caller's stdin, stdout and stderr; basic_daemonizer sets plan.keeps_caller_stdio, which a handoff that creates the daemon process with its standard handles (Windows) reads |
//
// Laws. `redirect` is `noexcept` (the concept checks it) and async-signal-safe (no test can check
// that). Each law below is a test of daemoniker::testing::RedirectPolicyLaws
// (daemoniker/testing/redirect_policy_laws.hpp):
//   1. On success fds 0, 1 and 2 are the plan's stdin_goto, stdout_goto and stderr_goto — with
//      keeps_caller_stdio, the caller's own streams — and none is close-on-exec (child processes
//      inherit them).
//   2. When the caller had closed them, fds 0, 1 and 2 are open afterwards all the same.
//   3. A target that cannot be opened fails with its stream's step (step::stdin_redirect,
//      step::stdout_redirect, step::stderr_redirect), an errno, and the path as subject. With
//      keeps_caller_stdio the plan's targets are not used: that plan succeeds, creating nothing.
// After a failure the daemon is discarded.
//
// Models: `redirect_stdio` (default), `inherit_stdio`. See docs/policies.md#redirectpolicy.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <concepts>

#include "daemoniker/plan.hpp"

namespace daemoniker {

template <class P>
concept redirect_policy = requires(P& p, const plan& pl) {
  { p.redirect(pl) } noexcept -> std::same_as<step_status>;
};

/// stdin from plan.stdin_goto (read-only), stdout and stderr to plan.stdout_goto /
/// plan.stderr_goto opened for appending (never truncated) and created with the daemon's umask;
/// all three default to /dev/null. The same path for stdout and stderr is opened once, so both
/// share one file offset. FIFOs are opened without blocking: a FIFO with no reader is an error
/// (ENXIO), not a hang.
struct redirect_stdio {
  step_status redirect(const plan& p) const noexcept;
};

/// Leaves the caller's stdin, stdout and stderr as they are (for foreground debugging, or when
/// a supervisor already set them up). One that the caller had closed is opened on /dev/null,
/// so that no file the daemon opens later can become its stdout by accident.
struct inherit_stdio {
  static constexpr bool keeps_caller_stdio = true;
  step_status redirect(const plan& p) const noexcept;
};

}  // namespace daemoniker
