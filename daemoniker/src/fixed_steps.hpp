// daemoniker/src/fixed_steps.hpp — the steps of daemonization that are not policies
// (src/fixed_steps.cc, src/privileges.cc, src/activation.cc; Windows: src/windows/). Private.
#pragma once

#include <optional>
#include <string>

#include "daemoniker/plan.hpp"

namespace daemoniker::detail {

// Before the new session and in the daemon before it confirms: all async-signal-safe.
step_status reset_signals(const plan&) noexcept;
step_status apply_umask(const plan&) noexcept;
step_status change_directory(const plan&) noexcept;
/// The credentials in plan.identity (chroot, limits, groups, gid, uid), verified.
step_status apply_credentials(const plan&) noexcept;

/// Socket activation's variables (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) as they were.
struct listen_variables {
  std::optional<std::string> pid, fds, names;
};
/// In the invoking process, when make_plan() captured sockets (plan.listen_fds): removes the
/// variables from the environment and returns them. Nothing otherwise, and on Windows.
listen_variables take_listen_variables(const plan&);
/// Puts them back after a failed attempt, for the caller (a retry, its own sd_listen_fds()).
void give_back(const listen_variables&);

// In the daemon, once it confirmed.
/// The environment allow-list of plan.identity.
void finish_credentials(const plan&);
/// Keeps the sockets systemd passed, for listen_fds().
void adopt_listen_fds(const plan&);

}  // namespace daemoniker::detail
