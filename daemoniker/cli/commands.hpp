// The daemoniker command's subcommands (main.cc parses, these act).
#pragma once

#include <string>
#include <vector>

#include <daemoniker/pid_file.hpp>

#include "daemoniker/cli/parse.hpp"

namespace daemoniker::cli {

inline constexpr int kUsage = 2;

/// start (and restart's second half).
struct start_args {
  std::string pidfile, chdir, umask = "027", stdout_path, stderr_path, stdin_path;
  std::vector<int> keep_fds;
  std::string timeout = "30s";
  int ready_fd = -1;
  bool notify = false;
  std::string detach = "auto";  ///< auto (fork unless supervised), always, never
  std::string user, group, chroot;
  std::vector<std::string> command;
};

/// status, signal, reload: the pid file and, for files that are not locked, a match.
struct control_args {
  std::string pidfile;
  process_match match;
};

/// status: as control_args; --json prints one JSON object instead of the sentence.
struct status_args : control_args {
  bool json = false;
};

/// stop: as control_args, with its schedule.
struct stop_args : control_args {
  std::string signal = "TERM", retry;
  std::string kill_mode = "family";  ///< family (the daemon and its descendants) or process
};

[[noreturn]] void usage_error(const std::string& message);

int do_start(const start_args& a);
int do_stop(const stop_args& a, const std::vector<schedule_step>& schedule);
int do_status(const status_args& a);
int do_signal(const control_args& a, int sig);

/// Removes a pid file that is stale — unlocked, naming no live process (a daemon that exec'd
/// another program cannot remove its own).
/// Says "removed", "kept" or "not removed: <why>".
std::string remove_if_stale(const std::string& pidfile);

}  // namespace daemoniker::cli
