// daemoniker/plan.hpp — what policies are given (`plan`) and what they answer (`step_status`).
//
// The invoking process turns `options` into a `plan` before anything forks: paths are made
// absolute, defaults filled in, input validated. Policies then read the plan in the daemon.
// Daemon-side policy members run between fork() and the daemon's confirmation, where only
// async-signal-safe calls are allowed (see docs/policies.md#the-fork-window): that is why a
// failure is a fixed-size, trivially copyable `step_status` and not an exception.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "daemoniker/fwd.hpp"

namespace daemoniker {

/// The step of daemonization that failed, reported to the invoking process.
enum class step : std::uint8_t {
  none = 0,        ///< no failure
  options,         ///< invalid options (detected before forking)
  channel,         ///< creating the error channel to the invoking process
  fork,            ///< the first fork
  sweep,           ///< closing inherited file descriptors
  signals,         ///< resetting signal dispositions and the signal mask
  setsid,          ///< starting a new session
  second_fork,     ///< the second fork (the daemon can never reacquire a terminal)
  chdir,           ///< changing the working directory
  stdin_redirect,  ///< opening / installing stdin
  stdout_redirect, ///< opening / installing stdout
  stderr_redirect, ///< opening / installing stderr
  pid_file,        ///< creating, locking, writing or publishing the pid file
  privileges,      ///< resolving or dropping privileges, chroot, limits
  already_running, ///< the pid file is locked by a live daemon (`detail` holds its pid)
  handoff,         ///< handing the plan and preserved arguments to a re-launched daemon
  confirm,         ///< sending the confirmation to the invoking process
  startup,         ///< the daemon died, was killed or did not confirm in time (`subject` says)
  policy,          ///< a user-written policy failed; `subject` holds its message
  rejected,        ///< the program said it cannot start (notify_failed): `subject` holds its
                   ///< message, `detail` the exit code it asked for
};

/// Outcome of one step. Trivially copyable and built without allocating, so it may be created
/// between fork() and confirmation and sent over the error channel as it is.
struct step_status {
  step failed = step::none;
  int error = 0;             ///< errno value, 0 when there is none
  long long detail = 0;      ///< step-specific number (the holder's pid for already_running)
  char subject[1024] = {};   ///< the path concerned, or a policy's message (truncated)

  [[nodiscard]] constexpr bool ok() const noexcept { return failed == step::none; }

  /// Async-signal-safe constructor of a failure.
  static step_status failure(step which, int error, const char* subject = nullptr,
                             long long detail = 0) noexcept;
};

/// Who the daemon becomes (PrivilegePolicy::prepare fills it in; inactive by default).
struct credentials {
  bool change_user = false;
  unsigned uid = 0;
  unsigned gid = 0;
  std::vector<unsigned> groups;      ///< supplementary groups (the user's, from initgroups' source)
  std::filesystem::path chroot;      ///< empty: none
  bool prevent_core = false;
  bool set_nice = false;
  int nice = 0;
  bool own_pid_file = false;
  bool sanitize_environment = false;
  std::vector<std::string> keep_environment;
};

/// Everything a policy needs, resolved in the invoking process before the first fork.
struct plan {
  std::filesystem::path pid_file;     ///< absolute; empty when no pid file is used
  std::filesystem::path chdir;        ///< absolute working directory of the daemon
  std::filesystem::path stdin_goto;   ///< absolute; /dev/null by default
  std::filesystem::path stdout_goto;  ///< absolute; /dev/null by default
  std::filesystem::path stderr_goto;  ///< absolute; /dev/null by default
  unsigned umask = 0027;
  std::vector<int> shielded_fds;          ///< sorted, unique fds (>= 3) the sweep must not close
  int fd_fallback_limit = 1024;
  std::chrono::milliseconds success_timeout{30000};
  bool strip_cmd_args = false;
  /// The RedirectPolicy keeps the caller's stdio (it declares `keeps_caller_stdio`). Windows
  /// sets the daemon's standard handles when it creates the process, so it needs to know.
  bool keeps_caller_stdio = false;
  /// Which of stdin (1), stdout (2), stderr (4) were left to their default: in the foreground
  /// under a supervisor they stay connected to it (the journal) instead of /dev/null.
  unsigned defaulted_stdio = 0;
  /// Socket activation: the fds systemd passed (LISTEN_FDS, from 3), and their names
  /// (LISTEN_FDNAMES, colon-separated); shielded from the sweep.
  std::vector<int> listen_fds;
  std::string listen_fdnames;
  /// Set by the handoff when the daemon stays in the foreground (already supervised).
  bool foreground = false;
  /// Set by the handoff in the invoking process once the daemon confirmed: its pid.
  long long daemon_pid = 0;
  /// options::chdir was left to its default (matters inside a chroot).
  bool chdir_defaulted = false;
  /// Who the daemon becomes.
  credentials identity;

  /// Adds `fd` to shielded_fds, keeping it sorted and unique (invoking process only: allocates).
  void shield(int fd);
  /// True when `fd` is in shielded_fds. Async-signal-safe.
  [[nodiscard]] bool is_shielded(int fd) const noexcept;
};


/// Validates `opts` and resolves them into the plan the policies receive — what a daemonizer
/// does first, in the invoking process; policy tests (daemoniker/testing/) use it to make
/// plans. On invalid input returns a failure with step::options and, in `subject`, a message
/// naming the problem and the fix; `out` is then unchanged.
step_status make_plan(const std::filesystem::path& pid_file, const options& opts, plan& out);

}  // namespace daemoniker
