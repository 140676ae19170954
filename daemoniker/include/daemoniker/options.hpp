// daemoniker/options.hpp — the keyword-only parameters of daemonize(), as an aggregate.
//
// Use it with designated initializers; every member has the spec's default:
//
//     daemoniker::daemonize("/run/app.pid",
//                           {.chdir = "/", .stdout_goto = "/var/log/app.log", .umask = 0022},
//                           port);
//
// Relative paths are resolved against the working directory of the *invoking* process, at the
// moment daemonize() is called — before the daemon changes directory.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

namespace daemoniker {

struct options {
  /// Working directory of the daemon. Empty: the directory daemonize() was called from (the
  /// spec's default; it can keep a mount busy — pass "/" for a classic daemon).
  std::optional<std::filesystem::path> chdir{};
  /// Where stdin reads from. Empty: /dev/null.
  std::optional<std::filesystem::path> stdin_goto{};
  /// Where stdout goes; opened for appending, created with `umask` if missing. Empty: /dev/null.
  std::optional<std::filesystem::path> stdout_goto{};
  /// Where stderr goes; the same path as stdout_goto shares one open file. Empty: /dev/null.
  std::optional<std::filesystem::path> stderr_goto{};
  /// File creation mask of the daemon, 0 … 0777. Unused on Windows.
  unsigned umask = 0027;
  /// File descriptors (>= 3) that stay open in the daemon. Unused on Windows.
  std::vector<int> shielded_fds{};
  /// Upper bound of the brute-force fd sweep when RLIMIT_NOFILE is unlimited (> 3). Unused on
  /// Windows.
  int fd_fallback_limit = 1024;
  /// How long the invoking process waits for the daemon to confirm startup (> 0). When it
  /// expires the half-started daemon is killed and the invoking process exits non-zero.
  std::chrono::milliseconds success_timeout = std::chrono::seconds{30};
  /// Windows re-launch: drop the command-line arguments. Unused by the POSIX fork handoff.
  bool strip_cmd_args = false;
};

}  // namespace daemoniker
