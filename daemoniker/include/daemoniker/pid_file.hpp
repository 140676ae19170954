// daemoniker/pid_file.hpp — looking at a daemon from outside through its pid file, and
// managing the pid file this process holds.
//
//     auto st = daemoniker::inspect_pid_file("/run/echo.pid");
//     if (st.state == daemoniker::pid_file_state::running) daemoniker::send("/run/echo.pid", SIGHUP);
//
// A pid file written by locked_pid_file is locked for its daemon's whole life, so the lock —
// not the pid in it — says whether the daemon runs, and the pid in it is trusted only once that
// process is seen holding the lock (/proc/PID/fdinfo). A pid read from an unlocked file may
// belong to an unrelated process that reused the number: it is never signalled unless a
// process_match (start-stop-daemon's --exec, --name, --user) proves who it is. Pid <= 1 and the
// caller's own pid, process group and session are never signalled, whatever a file says.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace daemoniker {

enum class pid_file_state {
  running,     ///< locked (exclusively: shared locks are readers'): its daemon, or what
               ///< holds its lock, runs; see `verified`
  stale,       ///< exists, unlocked, and names no live process: its daemon is gone
  absent,      ///< no such file
  unreadable,  ///< cannot tell (permissions, not a regular file, …): `error` says why
  unverified,  ///< exists, unlocked, and names a live process that nothing proves is its
               ///< daemon: written by a tool that does not lock (start-stop-daemon), or stale
               ///< with the pid reused. Pass a process_match to tell.
};

/// start-stop-daemon-style identification of a process named by a pid file that is not locked.
/// Every non-empty criterion must hold. POSIX only: on Windows a pid file is always its
/// daemon's own (locked, and the process must have started before the file was written), and
/// a process_match given there is not consulted.
struct process_match {
  std::string exec;  ///< its executable is this file (compared by device and inode)
  std::string name;  ///< its process name (/proc/PID/comm, at most 15 characters)
  std::string user;  ///< it runs as this user (name or numeric id)
  [[nodiscard]] bool empty() const noexcept { return exec.empty() && name.empty() && user.empty(); }
};

struct pid_file_status {
  pid_file_state state = pid_file_state::absent;
  /// The number the file starts with, as start-stop-daemon reads it ("1234\n", "1234 extra"),
  /// when it can be a pid; 0 otherwise.
  long long pid = 0;
  /// running: `pid` is proven to be the daemon — it holds the file's lock, or (unlocked file)
  /// it matched the process_match given. Only a verified pid is ever signalled.
  bool verified = false;
  /// running: who holds the lock. Once `pid` is known to hold it, `pid` alone (the children
  /// that inherited the lock are looked for only when stopping: a /proc scan); otherwise every
  /// holder this process may look at, sorted — when `pid` exited, what is left of the daemon.
  std::vector<long long> lock_holders;
  /// running: the daemon's session when daemonization made it (its leader gone, not the
  /// caller's) — the unit `daemoniker stop` ends; 0 otherwise (a supervisor's or a shell's
  /// session is never signalled as a whole).
  long long session = 0;
  /// How long the daemon has run (verified only; zero when unknown).
  std::chrono::seconds uptime{0};
  /// unreadable, and unverified/running when not verified: the reason, naming the path.
  std::string error;
};

/// Reads `pid_file` without changing it, and finds who holds its lock. Never throws.
pid_file_status inspect_pid_file(const std::filesystem::path& pid_file,
                                 const process_match& match = {}) noexcept;

/// Sends `signal` to the daemon whose pid file is `pid_file` — only to a verified pid (see
/// pid_file_status::verified), pinned with a pidfd before it is checked and signalled through
/// it, so that a pid reused in between cannot be hit. Throws std::system_error with a message
/// naming the path and the reason otherwise ("not running (stale pid file ...)", "... not
/// signalled", …). On Windows, SIGTERM, SIGINT, SIGHUP and SIGQUIT reach the daemon's
/// signal_handler; the process is opened by handle and must have started before the pid file
/// was written.
void send(const std::filesystem::path& pid_file, int signal, const process_match& match = {});

/// The descriptor of the pid file this process holds (locked_pid_file), or -1. It is
/// close-on-exec; a daemon that exec()s another program and wants the lock to stay with it
/// clears FD_CLOEXEC (the `daemoniker start` command does).
int held_pid_file_descriptor() noexcept;

/// Removes the pid file this process holds now, unlink before unlock — what normal exit does.
void release_pid_file() noexcept;

}  // namespace daemoniker
