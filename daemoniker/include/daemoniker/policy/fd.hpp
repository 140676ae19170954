// daemoniker/policy/fd.hpp — FdPolicy: how inherited file descriptors are closed.
//
// Concept `fd_policy<P>`.
//
// Minimal complete definition:
//
//   | expression          | where it runs                    | returns       |
//   |---------------------|----------------------------------|---------------|
//   | `p.sweep(plan)`     | first child, before setsid()     | `step_status` |
//
// Optional traits:
//
//   | trait           | type                    | absent | when true                                  |
//   |-----------------|-------------------------|--------|--------------------------------------------|
//   | `P::posix_only` | `static constexpr bool` | false  | the model cannot work on Windows: using it there fails to compile, naming the platform; for the shipped models, so does calling `sweep` on one directly (DAEMONIKER_POSIX_ONLY) |
//
// Laws. `sweep` is `noexcept` (the concept checks it) and async-signal-safe: it runs right after
// fork() in a process that may have been multi-threaded — no malloc, no locks, no stdio (no test
// can check that). `plan.shielded_fds` holds options::shielded_fds and daemoniker's own channel.
// Each law below is a test of daemoniker::testing::FdPolicyLaws
// (daemoniker/testing/fd_policy_laws.hpp):
//   1. `sweep` closes every fd >= 3 that is not in `plan.shielded_fds` — low ones, one in the
//      middle and one at the very top of RLIMIT_NOFILE's range — leaves fds 0, 1 and 2 as they
//      were (the RedirectPolicy owns them) and the shielded fds open.
//   2. Shielded fds at 3, next to each other, and alone between closed ones all stay open; every
//      fd around them is closed.
// A null object (`no_sweep`; daemoniker::testing::switches_step_off) closes nothing instead.
//
// Models: `auto_sweep` (POSIX default), `close_range_sweep`, `proc_fd_sweep`,
// `brute_force_sweep` — all POSIX only — and `no_sweep` (the Windows default: a Windows daemon
// is created with only the handles daemoniker names). docs/policies.md#fdpolicy shows how to
// write your own.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <concepts>

#include "daemoniker/plan.hpp"

namespace daemoniker {

template <class P>
concept fd_policy = requires(P& p, const plan& pl) {
  { p.sweep(pl) } noexcept -> std::same_as<step_status>;
};

/// close_range(2) over the gaps between kept fds: one system call per gap, whatever
/// RLIMIT_NOFILE is. Fails with ENOSYS on kernels older than 5.9.
struct close_range_sweep {
  static constexpr bool posix_only = true;
  DAEMONIKER_POSIX_ONLY("close_range_sweep",
                        "use no_sweep, the default on Windows (a Windows daemon is created "
                        "with only the handles daemoniker names)")
  step_status sweep(const plan& p) const noexcept;
};

/// Reads /proc/self/fd with getdents64 (no malloc) and closes what it lists: the cost grows with
/// the number of open fds, not with RLIMIT_NOFILE. Fails when /proc is not mounted.
struct proc_fd_sweep {
  static constexpr bool posix_only = true;
  DAEMONIKER_POSIX_ONLY("proc_fd_sweep",
                        "use no_sweep, the default on Windows (a Windows daemon is created "
                        "with only the handles daemoniker names)")
  step_status sweep(const plan& p) const noexcept;
};

/// close() on every fd from 3 up to the RLIMIT_NOFILE hard limit (then the soft limit, then
/// options::fd_fallback_limit when both are unlimited) — what the Python library does. Works
/// on any POSIX system, /proc or not; its cost grows linearly with the limit.
struct brute_force_sweep {
  static constexpr bool posix_only = true;
  DAEMONIKER_POSIX_ONLY("brute_force_sweep",
                        "use no_sweep, the default on Windows (a Windows daemon is created "
                        "with only the handles daemoniker names)")
  step_status sweep(const plan& p) const noexcept;
};

/// The best available: close_range, else the /proc/self/fd walk, else the brute-force loop.
struct auto_sweep {
  static constexpr bool posix_only = true;
  DAEMONIKER_POSIX_ONLY("auto_sweep",
                        "use no_sweep, the default on Windows (a Windows daemon is created "
                        "with only the handles daemoniker names)")
  step_status sweep(const plan& p) const noexcept;
};

/// Closes nothing: every inherited fd stays open in the daemon.
struct no_sweep {
  step_status sweep(const plan&) const noexcept { return {}; }
};

}  // namespace daemoniker
