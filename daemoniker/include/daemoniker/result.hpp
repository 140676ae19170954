// daemoniker/result.hpp — what try_daemonize() returns: daemonization that never ends the
// invoking process, so that it can log a failure and carry on (run in the foreground, retry).
//
//     auto r = daemoniker::try_daemonize("/run/web.pid", {.stdout_goto = "/var/log/web.log"}, port);
//     if (!r) {                                   // the invoking process; nothing was left behind
//       log("not daemonized (%s): %s", r.error().step.c_str(), r.error().message.c_str());
//       return serve_in_foreground(port);
//     }
//     if (!r.is_daemon()) return 0;               // the invoking process; the daemon runs
//     auto [p] = r.values();                      // the daemon
#pragma once

#include "daemoniker/detail/config.hpp"

#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>

namespace daemoniker {

/// Why daemonization failed.
struct daemonize_error {
  /// The step that failed, as messages name it: "pid file", "chdir", "fork", "startup", ...
  std::string step;
  /// The system error, when there is one (errno on POSIX, a Win32 error code on Windows).
  std::error_code code;
  /// The one line daemonize() prints (after "program: "): the step, the path, the error text
  /// and the fix.
  std::string message;
  /// The status daemonize() exits with: 2 for invalid options, the program's own code when it
  /// rejected its start (notify_failed), 1 otherwise.
  int exit_status = 1;
};

/// The outcome of try_daemonize(): contextually false when daemonization failed (in the
/// invoking process, which carries on); otherwise true both in the invoking process (the daemon
/// confirmed) and in the daemon.
template <class... T>
class daemonize_result {
 public:
  /// The daemon's side: the preserved values.
  static daemonize_result in_daemon(std::tuple<T...> values) {
    daemonize_result r;
    r.values_.emplace(std::move(values));
    return r;
  }
  /// The invoking process's side, once the daemon with this pid confirmed.
  static daemonize_result in_invoker(long long daemon_pid) {
    daemonize_result r;
    r.daemon_pid_ = daemon_pid;
    return r;
  }
  /// The invoking process's side after a failure.
  static daemonize_result failed(daemonize_error error) {
    daemonize_result r;
    r.error_.emplace(std::move(error));
    return r;
  }

  explicit operator bool() const noexcept { return !error_; }
  /// True only in the daemon.
  [[nodiscard]] bool is_daemon() const noexcept { return values_.has_value(); }
  /// In the daemon: the preserved arguments. Precondition: is_daemon().
  std::tuple<T...>& values() & { return *values_; }
  std::tuple<T...>&& values() && { return std::move(*values_); }
  /// In the invoking process after success: the daemon's pid (0 elsewhere, and when a
  /// user-written handoff did not report it).
  [[nodiscard]] long long daemon_pid() const noexcept { return daemon_pid_; }
  /// After a failure: what failed. Precondition: !*this.
  [[nodiscard]] const daemonize_error& error() const { return *error_; }

 private:
  daemonize_result() = default;
  std::optional<std::tuple<T...>> values_;
  std::optional<daemonize_error> error_;
  long long daemon_pid_ = 0;
};

}  // namespace daemoniker
