// daemoniker/policy/redirect.hpp — RedirectPolicy: what the daemon's stdin/stdout/stderr are.
//
// Concept `redirect_policy<P>` — minimal complete definition:
//
//   | expression          | where it runs                          | returns       |
//   |---------------------|----------------------------------------|---------------|
//   | `p.redirect(plan)`  | the daemon, after umask() and chdir()  | `step_status` |
//
// Laws: `redirect` is `noexcept` and async-signal-safe; on success fds 0, 1 and 2 are open and
// not close-on-exec (so child processes inherit them); on failure it reports the stream's step
// (step::stdout_redirect, …) with the path as subject, and the daemon is discarded.
//
// Models: `redirect_stdio` (default), `inherit_stdio`. See docs/policies.md#redirectpolicy.
#pragma once

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
