// daemoniker/src/confirmation.hpp — between the readiness API (src/notify.cc) and the handoffs
// that carry a deferred confirmation (src/fork_window.cc, src/windows/handoff.cc). Private.
#pragma once

#include <chrono>

namespace daemoniker::detail {

// The handoff's side: in a daemon whose handoff defers confirmation (await_ready), tell the
// invoking process that it is ready (or that it cannot start: `message`, `exit_code`), or that
// it needs `more` time. Nothing when no confirmation is pending. Async-signal-safe on POSIX.
void confirm_startup(bool ready, const char* message, int exit_code) noexcept;
void extend_confirmation(std::chrono::milliseconds more) noexcept;

// The readiness side (src/notify.cc): the program stayed in the foreground as a container's
// main process, so READY=1 goes without MAINPID (its pid means nothing outside).
void stayed_in_container() noexcept;
bool main_pid_is_local() noexcept;

}  // namespace daemoniker::detail
