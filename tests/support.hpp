// Test support: run daemonize() in a forked "invoking process", observe the daemon from
// outside, and make sure every process a test starts is stopped and reaped.
//
// The test process makes itself a child subreaper, so every daemon a test starts ends up as its
// child once the intermediate process exits: the fixture can then kill and reap whatever is left
// in TearDown, even when an assertion failed half-way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace daemoniker::testing {

/// How the invoking process ended, and what it printed to stderr.
struct invocation {
  int exit_code = -1;   ///< -1 when killed by a signal
  int signal = 0;
  std::string stderr_text;
};

/// What a daemon reports about itself (key=value lines in a file).
using observation = std::map<std::string, std::string>;

/// The pids of this process's current children (/proc/self/task/*/children).
std::vector<pid_t> child_pids();

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// A fresh directory for this test under TEST_TMPDIR.
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }

  /// Forks an invoking process whose stderr goes to a file, runs `body` in it (which calls
  /// daemonize(); in the daemon `body` goes on with daemon-side code and must never return),
  /// and waits for it to exit.
  invocation invoke(const std::function<void()>& body);

  /// Like invoke(), but does not wait: for a daemon that stays in the foreground (under a
  /// supervisor), where the invoking process is the daemon. TearDown reaps it.
  pid_t spawn(const std::function<void()>& body);

  /// Waits until the daemon wrote `observed` (by report_and_wait_for_term) and returns it.
  observation await_observation(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// SIGTERM to `pid`, then waits for it (it is our child, thanks to the subreaper) and returns
  /// its wait status.
  int stop(pid_t pid);

  /// The pids of this process's current children.
  static std::vector<pid_t> children() { return child_pids(); }

 private:
  std::filesystem::path dir_;
};

/// Daemon side: records facts about the daemon into `dir/observed` (atomically), plus `extra`,
/// then waits for SIGTERM and exits normally (exit(0), so atexit handlers run).
[[noreturn]] void report_and_wait_for_term(const std::filesystem::path& dir,
                                           const observation& extra = {});

/// Collects the facts report_and_wait_for_term records (pid, ppid, sid, pgid, umask, cwd, fds,
/// signal masks, stdio identities, tty).
observation observe_self();

/// Reads a whole file; empty when missing.
std::string read_file(const std::filesystem::path& p);
/// Writes a whole file.
void write_file(const std::filesystem::path& p, const std::string& content);
/// True when some process holds a flock on `p` (we cannot take it without blocking).
bool is_locked(const std::filesystem::path& p);
/// Splits "3,4,10" into numbers.
std::vector<int> split_ints(const std::string& s);

}  // namespace daemoniker::testing
