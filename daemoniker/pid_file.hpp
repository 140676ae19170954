// daemoniker/pid_file.hpp — looking at a daemon from outside through its pid file, and
// managing the pid file this process holds.
//
//     auto st = daemoniker::inspect_pid_file("/run/echo.pid");
//     if (st.state == daemoniker::pid_file_state::running) daemoniker::send("/run/echo.pid", SIGHUP);
//
// A pid file written by locked_pid_file is locked for its daemon's whole life, so the lock —
// not the pid in it — says whether the daemon runs: a pid read from an unlocked file may
// belong to an unrelated process that reused the number, and is never signalled.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace daemoniker {

enum class pid_file_state {
  running,     ///< locked: its daemon runs (pid holds it)
  stale,       ///< exists, unlocked: its daemon is gone (pid is what it held, may be 0)
  absent,      ///< no such file
  unreadable,  ///< cannot tell (permissions, not a regular file, …): `error` says why
};

struct pid_file_status {
  pid_file_state state = pid_file_state::absent;
  long long pid = 0;
  /// How long the daemon has run (running only; zero when unknown).
  std::chrono::seconds uptime{0};
  /// For unreadable: the reason, naming the path.
  std::string error;
};

/// Reads `pid_file` without changing it. Never throws.
pid_file_status inspect_pid_file(const std::filesystem::path& pid_file) noexcept;

/// Sends `signal` to the daemon whose pid file is `pid_file` — only if the file is locked, so
/// a stale file can never make us signal an unrelated process. Throws std::system_error with a
/// message naming the path and the reason ("not running (stale pid file ...)", …).
/// On Windows, SIGTERM, SIGINT, SIGHUP and SIGQUIT reach the daemon's signal_handler.
void send(const std::filesystem::path& pid_file, int signal);

/// The descriptor of the pid file this process holds (locked_pid_file), or -1. It is
/// close-on-exec; a daemon that exec()s another program and wants the lock to stay with it
/// clears FD_CLOEXEC (the `daemoniker start` command does).
int held_pid_file_descriptor() noexcept;

/// Removes the pid file this process holds now, unlink before unlock — what normal exit does.
void release_pid_file() noexcept;

}  // namespace daemoniker
