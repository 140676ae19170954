// daemoniker/policy/pid.hpp — PidPolicy: how the daemon proves it is the one instance.
//
// Concept `pid_policy<P>`.
//
// Minimal complete definition:
//
//   | expression                | where it runs                                   | returns       |
//   |---------------------------|-------------------------------------------------|---------------|
//   | `p.validate(plan)`        | invoking process, before anything forks         | `step_status` |
//   | `p.acquire(plan)`         | the daemon, last step before confirmation       | `step_status` |
//   | `p.abandon(plan)`         | the daemon, when confirmation cannot be sent or the privilege step after `acquire` failed | — |
//   | `p.keep_until_exit(plan)` | the daemon, after it confirmed startup          | —             |
//   | `p.reclaim(plan, pid)`    | invoking process (or the first child, when the invoking process died), after the daemon `pid` failed | — |
//
// Optional traits: none.
//
// Laws. `acquire`, `abandon`, `keep_until_exit` and `reclaim` are `noexcept` (the concept checks
// it); `acquire`, `abandon` and `reclaim` are async-signal-safe (no test can check that):
// `reclaim` also runs in the first child, between fork() and confirmation, when the invoking
// process died while it waited. Each law below is
// a test of daemoniker::testing::PidPolicyLaws (daemoniker/testing/pid_policy_laws.hpp):
//   1. `validate` accepts a fresh path in an existing directory and creates nothing.
//   2. After `acquire`, the file's first line is the caller's pid, and the caller holds an
//      exclusive flock(2) on it through a descriptor of its own.
//   3. `acquire` on a file that another live process holds locked fails with
//      step::already_running and that process's pid as `detail`, and changes neither the file
//      nor its directory.
//   4. `acquire` fails when the path names a directory, and leaves nothing behind.
//   5. `abandon` removes the file, and unlinks it *before* it releases the lock.
//   6. After `keep_until_exit` the caller keeps the file locked until it exits, also once the
//      policy object is gone; normal exit removes the file, unlink before unlock.
//   7. `reclaim(plan, pid)` removes an unlocked file that holds `pid`,
//   8. and keeps a locked file, or one that holds another pid.
// A null object (`no_pid_file`; daemoniker::testing::switches_step_off) leaves the file system as
// it was instead.
//
// Models: `locked_pid_file` (default), `no_pid_file`. See docs/policies.md#pidpolicy.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <concepts>

#include "daemoniker/plan.hpp"

namespace daemoniker {

template <class P>
concept pid_policy = requires(P& p, const plan& pl, long long pid) {
  { p.validate(pl) } -> std::same_as<step_status>;
  { p.acquire(pl) } noexcept -> std::same_as<step_status>;
  { p.abandon(pl) } noexcept;
  { p.keep_until_exit(pl) } noexcept;
  { p.reclaim(pl, pid) } noexcept;
};

/// The pid file holds "<pid>\n" and an exclusive flock(2) for the daemon's whole life.
///
/// - Never observed half-written: the content is written to an unnamed (O_TMPFILE) or hidden
///   temporary file that is already locked, then published with link(2), which fails instead
///   of replacing a live daemon's file.
/// - A file whose lock nobody holds is stale (its daemon died: the kernel drops the lock) and
///   is reclaimed, whatever pid it holds; a locked one means "already running (pid N)".
/// - Symbolic links, directories, FIFOs and other non-regular files are refused (O_NOFOLLOW).
/// - Removed when the daemon exits normally (exit() or return from main), unlink before unlock,
///   and only by the process that created it (not by forked children that call exit()) —
///   inside a chroot through its directory, opened before the chroot.
/// - Mode 0644 whatever the umask, so tools run by other users can read the pid.
/// - The descriptor is close-on-exec; see docs/policies.md for daemons that exec.
struct locked_pid_file {
  step_status validate(const plan& p) const;
  step_status acquire(const plan& p) noexcept;
  void abandon(const plan& p) noexcept;
  void keep_until_exit(const plan& p) noexcept;
  void reclaim(const plan& p, long long pid) noexcept;

  int fd = -1;   ///< the locked descriptor, once acquired
  int dir = -1;  ///< with a chroot: its directory (O_PATH), for removal from inside the chroot
};

/// No pid file at all; the pid_file argument is ignored.
struct no_pid_file {
  step_status validate(const plan&) const { return {}; }
  step_status acquire(const plan&) noexcept { return {}; }
  void abandon(const plan&) noexcept {}
  void keep_until_exit(const plan&) noexcept {}
  void reclaim(const plan&, long long) noexcept {}
};

}  // namespace daemoniker
