// The POSIX handoff's parts, shared by its files (private):
//   fork_window.cc  — what runs between fork() and the daemon's confirmation (async-signal-safe);
//                     the reports it sends are report.hpp's, shared with Windows
//   invoker_wait.cc — the invoking process: fork, then wait for the verdict
//   handoff.cc      — fork_handoff, and staying in the foreground under a supervisor
//   reexec.cc       — reexec_handoff's launcher: the daemon as a new run of the program
//                     (what the new run does is relaunched.cc's, shared with Windows)
#pragma once

#if !defined(_WIN32)
#include <string_view>

#include "daemoniker/policy/handoff.hpp"
#include "report.hpp"

namespace daemoniker::detail {

/// A close-on-exec socketpair whose ends are >= 3 (never clobbered by installing stdio). On
/// failure nothing stays open, both ends are -1 and errno says why.
bool make_channel(int ends[2]) noexcept;
/// Closes the ends that are open (not -1) and sets them to -1, keeping errno.
void close_ends(int ends[2]) noexcept;

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
/// The invoking process's side of both handoffs: fork, send `handoff_bytes` on `hand_parent`
/// (re-launch only), wait for the verdict. `down` is the daemon's channel, made by the caller.
role start_daemon(plan& p, const stages& st, const int down[2], const relaunch* exec,
                  int hand_parent, std::string_view handoff_bytes);

/// Supervised (or asked to stay): settle in this very process, no fork.
role stay_in_foreground(plan& p, const stages& st);
/// True when `mode` asks to stay in the foreground here: always (never), or under a supervisor
/// or with sockets from socket activation (unless_supervised).
bool foreground_wanted(detach_mode mode, const plan& p) noexcept;

}  // namespace daemoniker::detail
#endif
