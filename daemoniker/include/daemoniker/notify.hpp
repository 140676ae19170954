// daemoniker/notify.hpp — readiness and state, to every supervisor that listens.
//
//     using daemonizer = daemoniker::daemonizer_with<daemoniker::await_ready<>>;
//     daemonizer{}.daemonize("/run/web.pid", {});
//     bind_sockets();                      // the invoking shell is still waiting ...
//     daemoniker::notify_ready("serving on :8080");  // ... and exits 0 now
//
// One call feeds every sink that is present:
//   - the invoking process, when the daemonizer awaits readiness (await_ready<...>);
//   - systemd, when $NOTIFY_SOCKET is set (Type=notify / notify-reload): the sd_notify
//     datagram protocol, implemented here directly (no libsystemd), for filesystem and
//     abstract ("@...") socket addresses;
//   - s6, when set_notification_fd(N) named the notification-fd: a newline, then the fd is closed.
// Each function is safe to call when no sink listens (it does nothing), and never throws.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace daemoniker {

/// The program is ready: READY=1 (with MAINPID, and STATUS when given).
void notify_ready(std::string_view status = {}) noexcept;

/// The program cannot start: the invoking process prints `message` and exits with
/// `exit_code` (1…255); systemd gets STATUS=message and ERRNO=error when error != 0.
void notify_failed(std::string_view message, int exit_code = 1, int error = 0) noexcept;

/// Free-form status (systemd's STATUS=).
void notify_status(std::string_view status) noexcept;

/// Reloading configuration (RELOADING=1 with MONOTONIC_USEC, for Type=notify-reload); call
/// notify_ready() when done.
void notify_reloading() noexcept;

/// Shutting down (STOPPING=1).
void notify_stopping() noexcept;

/// The watchdog keep-alive (WATCHDOG=1).
void notify_watchdog() noexcept;

/// How often systemd expects notify_watchdog() ($WATCHDOG_USEC, if meant for this process):
/// send it at about half that interval. Empty when no watchdog is configured.
std::optional<std::chrono::microseconds> watchdog_interval() noexcept;

/// Asks for `more` time before readiness: the invoking process's deadline becomes now + more,
/// and systemd gets EXTEND_TIMEOUT_USEC.
void extend_timeout(std::chrono::microseconds more) noexcept;

/// The s6 notification-fd (from the service's notification-fd file, passed to the program):
/// notify_ready() writes a newline to it and closes it. POSIX only (s6 does not run on
/// Windows); there the call is accepted and the fd never written.
void set_notification_fd(int fd) noexcept;

}  // namespace daemoniker
