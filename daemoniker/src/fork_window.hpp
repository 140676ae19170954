// The POSIX handoff's parts, shared by its files (private):
//   fork_window.cc  — what runs between fork() and the daemon's confirmation (async-signal-safe)
//   invoker_wait.cc — the invoking process: fork, then wait for the verdict
//   handoff.cc      — fork_handoff, and staying in the foreground under a supervisor
//   reexec.cc       — reexec_handoff: the daemon as a new run of the program
#pragma once

#if !defined(_WIN32)
#include <string_view>

#include "daemoniker/policy/handoff.hpp"
#include "wire.hpp"

namespace daemoniker::detail {

/// Writes one record (MSG_NOSIGNAL: a vanished reader gives EPIPE). Async-signal-safe.
bool send_record(int fd, const record& r) noexcept;
/// Blocking read of one whole record; false on EOF, error or a bad magic.
bool receive_record(int fd, record& r) noexcept;
/// A close-on-exec socketpair whose ends are >= 3 (never clobbered by installing stdio).
bool make_channel(int ends[2]) noexcept;
/// Reports `s` on `fd` and exits 1 (the daemon's side of a failed step).
[[noreturn]] void report_and_exit(int fd, const step_status& s) noexcept;

/// How the daemon goes on after the second fork when the program is re-launched
/// (reexec_handoff): everything execve() needs, prepared by the invoking process, because
/// building it in the fork window would allocate.
struct relaunch {
  const char* path;   // "/proc/self/exe"
  char* const* argv;
  char* const* envp;
  int hand;           // the daemon's end of the handoff channel: plan and arguments arrive here
};

/// The first child, and after it returns, the daemon: scrub, setsid, fork; the daemon settles
/// (or execs `exec`) and confirms on down[1]; the first child relays to `up`. Async-signal-safe.
void become_daemon(plan& p, const stages& st, int up, const int down[2], const relaunch* exec) noexcept;
/// In a daemon whose confirmation is deferred (await_ready): notify_ready() reports on `fd`.
void defer_confirmation(int fd) noexcept;
/// Confirms on `fd` with this process's pid; false when nobody received it.
bool confirm_on(int fd) noexcept;

/// The invoking process's side of both handoffs: fork, send `handoff_bytes` on `hand_parent`
/// (re-launch only), wait for the verdict. `down` is the daemon's channel, made by the caller.
role start_daemon(plan& p, const stages& st, const int down[2], const relaunch* exec,
                  int hand_parent, std::string_view handoff_bytes);

/// Supervised (or asked to stay): settle in this very process, no fork.
role stay_in_foreground(plan& p, const stages& st);
/// True when `mode` asks to stay in the foreground here.
bool foreground_wanted(detach_mode mode) noexcept;

}  // namespace daemoniker::detail
#endif
