// THE FORK WINDOW: what runs between fork() and the daemon's confirmation.
//
//   invoking process ──fork──▶ first child ──setsid, fork──▶ daemon
//         ▲                        │  ▲                         │
//         └──── channel "up" ──────┘  └──── channel "down" ─────┘
//
// The daemon reports on "down" (ready, or the step that failed); the first child relays that
// to the invoking process on "up", or, when "down" reaches EOF without a report, reaps the
// daemon and relays how it died; when the invoking process is gone, it stops the half-started
// daemon. EOF is never success.
//
// The child processes may have been forked from a multi-threaded program, where another thread
// could have held the malloc or stdio lock at the moment of fork(). Everything here — and the
// stages it runs — uses only async-signal-safe calls: no allocation, no stdio, no exceptions,
// every function noexcept. Messages travel as fixed-size records (wire.hpp) and are formatted
// by the invoking process.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>

#include "daemoniker/src/descriptors.hpp"
#include "daemoniker/src/sys.hpp"
#include "fork_window.hpp"

namespace daemoniker::detail {

bool make_channel(int ends[2]) noexcept {
  ends[0] = ends[1] = -1;
  if (os::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == -1) return false;
  ends[0] = move_above(ends[0]);
  ends[1] = move_above(ends[1]);
  if (ends[0] != -1 && ends[1] != -1) return true;
  close_ends(ends);
  return false;
}

void close_ends(int ends[2]) noexcept {
  const int e = errno;  // the caller reports why the channel failed, not what close() said
  for (int i = 0; i < 2; ++i) {
    if (ends[i] != -1) os::close(ends[i]);
    ends[i] = -1;
  }
  errno = e;
}

namespace {

// In the first child: waits until the daemon reports on `down` (true), or the invoking
// process is gone — `up` turns readable only at EOF, since the invoking process never writes
// to it (false).
bool await_report(int down, int up) noexcept {
  for (;;) {
    struct pollfd p[2] = {{down, POLLIN, 0}, {up, POLLIN, 0}};
    if (os::poll(p, 2, -1) == -1) {
      if (errno == EINTR) continue;
      return true;  // let the blocking read decide
    }
    if (p[0].revents != 0) return true;
    if (p[1].revents != 0) return false;
  }
}

// Waits for `pid`, our child, to end: its wait status.
int reaped(pid_t pid) noexcept {
  int status = 0;
  retry_eintr([&] { return os::waitpid(pid, &status, 0); });
  return status;
}

// In the first child: the daemon's next report, as the invoking process is to have it. EOF is
// how the daemon died. What only the first child may say (hello, died), a bad magic or an unknown
// kind is garbled: the daemon is killed — our unreaped child, its pid cannot have been reused.
record next_report(int down, pid_t daemon) noexcept {
  record r;
  if (!receive_record(down, r)) {
    r = record{};
    r.kind = record::died;
    r.pid = daemon;
    r.wait_status = reaped(daemon);
    return r;
  }
  const bool from_daemon = r.kind == record::ready || r.kind == record::failed ||
                           r.kind == record::extend || r.kind == record::rejected;
  if (r.magic != record::kMagic || !from_daemon) {
    os::kill(daemon, SIGKILL);
    reaped(daemon);
    r = record{};
    r.status = step_status::failure(step::startup, EPROTO, "garbled report from the daemon");
  } else if (r.kind == record::failed) {
    reaped(daemon);  // it exits right after reporting; reap it before the invoker looks
  }
  return r;
}

}  // namespace

namespace {

// The daemon, right after the second fork: exec the program again (re-launch), or settle and
// confirm — or leave the confirmation to notify_ready() (await_ready).
void settle_as_daemon(plan& p, const stages& st, int up, const int down[2], const relaunch* exec) noexcept {
  os::close(up);
  os::close(down[0]);
  if (exec != nullptr) {
    // Only these two survive the exec; the new image finds them through DAEMONIKER_HANDOFF.
    if (os::fcntl(down[1], F_SETFD, 0) == -1 || os::fcntl(exec->hand, F_SETFD, 0) == -1) {
      report_and_exit(down[1], step_status::failure(step::handoff, errno, "fcntl"));
    }
    os::execve(exec->path, exec->argv, exec->envp);
    report_and_exit(down[1], step_status::failure(step::handoff, errno, "execve(/proc/self/exe)"));
  }
  if (auto s = st.settle(p); !s.ok()) report_and_exit(down[1], s);
  if (st.defer_confirmation) {  // the program confirms later, with notify_ready()
    defer_confirmation(down[1]);
    return;
  }
  if (!confirm_on(down[1])) {  // nobody can learn that we started: undo, leave nothing behind
    st.abandon(p);
    ::_exit(1);
  }
  os::close(down[1]);
}

// The first child after the second fork: tell the invoking process who the daemon is, then
// relay the daemon's reports until a verdict (extensions of the deadline may come first).
[[noreturn]] void relay_reports(plan& p, const stages& st, int up, const int down[2],
                                const relaunch* exec, pid_t daemon) noexcept {
  os::close(down[1]);
  if (exec != nullptr) os::close(exec->hand);
  record hello;
  hello.kind = record::hello;
  hello.pid = daemon;
  send_record(up, hello);
  for (;;) {
    if (!await_report(down[0], up)) {  // nobody waits any more: nothing half-started may stay
      os::kill(daemon, SIGKILL);
      reaped(daemon);
      st.reclaim(p, daemon);
      os::kill(-os::getpid(), SIGKILL);  // the rest of the new session's group, and us
      ::_exit(1);
    }
    const record r = next_report(down[0], daemon);
    send_record(up, r);
    if (r.kind != record::extend) ::_exit(0);
  }
}

}  // namespace

// The first child and, after it returns, the daemon. Async-signal-safe throughout.
void become_daemon(plan& p, const stages& st, int up, const int down[2],
                   const relaunch* exec) noexcept {
  if (auto s = st.scrub(p); !s.ok()) report_and_exit(up, s);
  if (os::setsid() == -1) report_and_exit(up, step_status::failure(step::setsid, errno));
  const pid_t daemon = os::fork();
  if (daemon == -1) report_and_exit(up, step_status::failure(step::second_fork, errno));
  // The daemon is not a session leader, so it can never get a terminal.
  if (daemon == 0) return settle_as_daemon(p, st, up, down, exec);
  relay_reports(p, st, up, down, exec, daemon);
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
