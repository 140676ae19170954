// daemoniker/src/verdict.hpp — how the invoking process reads the daemon's reports while it
// waits for the verdict, the same on POSIX (src/invoker_wait.cc) and Windows
// (src/windows/handoff.cc); each OS only moves the bytes and ends what must end. Private.
#pragma once

#include <chrono>
#include <cstddef>

#include "wire.hpp"

namespace daemoniker::detail {

class startup_wait {
 public:
  /// What a report meant. pending: no whole record yet, or one that only moved the deadline or
  /// named the daemon; ready: it confirmed (plan::daemon_pid set); failed: a step failed or
  /// the program rejected its start, and the daemon exits by itself (failure() says what);
  /// broken: the report makes no sense, so the daemon must be ended (failure() says so);
  /// died: relayed by the first child, the daemon ended first (report() says how).
  enum class verdict { pending, ready, failed, broken, died };

  /// Waits at most `timeout`. `relayed`: a first child relays the reports (POSIX), so `hello`
  /// and `died` records are expected.
  startup_wait(std::chrono::milliseconds timeout, bool relayed);

  /// Time left, rounded up to whole milliseconds; zero or less once the deadline passed.
  [[nodiscard]] std::chrono::milliseconds left() const;
  /// Where the next bytes of a report go, and how many it still misses.
  [[nodiscard]] char* space() noexcept { return reinterpret_cast<char*>(&report_) + got_; }
  [[nodiscard]] std::size_t missing() const noexcept { return sizeof report_ - got_; }
  /// `n` bytes arrived in space().
  verdict take(std::size_t n, plan& p);

  /// The daemon's pid, once known (0 before).
  [[nodiscard]] long long daemon() const noexcept { return daemon_; }
  void set_daemon(long long pid) noexcept { daemon_ = pid; }
  [[nodiscard]] const step_status& failure() const noexcept { return failure_; }
  [[nodiscard]] const record& report() const noexcept { return report_; }

 private:
  using clock = std::chrono::steady_clock;
  verdict broken(const char* what);

  clock::time_point deadline_;
  bool relayed_;
  record report_;
  std::size_t got_ = 0;
  long long daemon_ = 0;
  step_status failure_;
};

}  // namespace daemoniker::detail
