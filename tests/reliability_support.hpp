// What the reliability tests share (issue 6; figures in docs/reliability.md): one file per suite,
// tests/reliability_*test.cc, all on this fixture.
//
// Reliability under races, injected faults and hostile input. Every test tries to break
// daemonize() and then checks three things: what the invoking process saw (exit status and its
// one line on stderr), that nothing was lost (the pid file names the daemon that holds it, files
// that were not ours are unchanged) and that nothing was left (no pid file, no temporary file, no
// process). The figures each test prints as "FIGURES ..." lines (and records as test properties
// in test.xml) are the ones docs/reliability.md reports.
//
// Faults are injected through daemoniker's system-call seam (daemoniker/src/sys_faults.hpp) in the
// invoking process; fork() carries them into the first child and the daemon. The cases
// tests/failures_test.cc already has (first fork EAGAIN, setsid, second fork EAGAIN, chdir,
// dup2 EBADF, flock ENOLCK, pid write ENOSPC, link ENOSPC, confirmation, channel, sweep) are not
// repeated here.
//
// Compiled into each reliability target (a filegroup, not a library): the targets link either
// //daemoniker or //daemoniker:with_fault_injection, never both.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support.hpp"

namespace daemoniker::testing {

// Prints one line of figures for docs/reliability.md and records each figure in test.xml.
void figures(const std::string& what, const std::vector<std::pair<std::string, long long>>& f);

// Decodes a wait status for messages.
std::string status_text(int status);

// The daemon side of every successful start here: records its pid and the inode of the pid
// file it holds (so a test can prove that the name refers to the locked inode), then waits for
// SIGTERM.
[[noreturn]] void report_held_inode(const std::filesystem::path& dir);

class Reliability : public DaemonTest {
 protected:
  // Forks a process that runs `body` with stderr going to `err` and never returns to the test.
  // When `gate` is a pipe's read end, it first blocks until that pipe reaches EOF (its write
  // end closed everywhere): that releases every process started this way at once.
  pid_t spawn(const std::filesystem::path& err, const std::function<void()>& body,
              int gate_read = -1, int gate_write = -1);

  // Waits for `pid` (our child) and returns its wait status.
  static int wait_for(pid_t pid);

  // Nothing is left in `d` except the names in `keep`, and no process is running.
  void expect_nothing_left(const std::filesystem::path& d, const std::set<std::string>& keep = {});

  // Waits until `p` exists (the daemon's observation) and returns it parsed.
  observation await_in(const std::filesystem::path& d,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
};

}  // namespace daemoniker::testing
