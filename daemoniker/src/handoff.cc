// fork_handoff: the POSIX double fork with an error channel.
//
//   invoking process ──fork──▶ first child ──setsid, fork──▶ daemon
//         ▲                        │  ▲                         │
//         └──── channel "up" ──────┘  └──── channel "down" ─────┘
//
// The daemon reports on "down" (ready, or the step that failed); the first child relays that
// to the invoking process on "up", or, when "down" reaches EOF without a report, reaps the
// daemon and relays how it died. The invoking process bounds the whole wait by
// plan.success_timeout and kills the new session when it expires. EOF is never success.
//
// THE FORK WINDOW. Between fork() and the daemon's confirmation, the child processes may have
// been forked from a multi-threaded program, where another thread could have held the malloc or
// stdio lock at the moment of fork(). Everything that runs there — this file's child paths and
// the stages it is given — uses only async-signal-safe calls: no allocation, no stdio, no
// exceptions. Messages travel as fixed-size records and are formatted by the invoking process.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/detail/sys.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/activation.hpp"
#include "daemoniker/notify.hpp"
#include "daemoniker/policy/reexec.hpp"

namespace daemoniker {
namespace detail {
void stayed_in_container() noexcept;  // src/notify.cc: READY=1 without MAINPID then
}  // namespace detail
namespace {

using detail::retry_eintr;
using detail::sys;

// One report on a channel. Trivially copyable; both ends are the same binary.
struct record {
  // hello: first child → invoker, the daemon's pid; ready: the daemon confirmed; failed: a
  // step failed (the daemon exits at once); died: how the daemon ended before confirming;
  // extend: the daemon asks for `wait_status` more milliseconds; rejected: the program said
  // it cannot start (notify_failed), with its exit code in status.detail.
  enum kind_t : std::uint32_t { hello = 1, ready = 2, failed = 3, died = 4, extend = 5, rejected = 6 };
  std::uint32_t magic = 0x4b4e4d44;  // "DMNK"
  kind_t kind = failed;
  std::int64_t pid = 0;              // hello/ready/died: the daemon's pid
  std::int64_t wait_status = 0;      // died: as returned by waitpid
  step_status status;                // failed: what failed
};

// In the daemon of a handoff that defers confirmation (await_ready): the channel on which
// notify_ready() and friends will report.
int pending_channel = -1;

bool send_record(int fd, const record& r) noexcept {
  const char* p = reinterpret_cast<const char*>(&r);
  std::size_t left = sizeof r;
  while (left > 0) {
    // MSG_NOSIGNAL: a vanished reader must give EPIPE, not kill us with SIGPIPE.
    const ssize_t n = retry_eintr([&] { return sys().send(fd, p, left, MSG_NOSIGNAL); });
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

// Blocking read of one whole record; false on EOF or error.
bool receive_record(int fd, record& r) noexcept {
  char* p = reinterpret_cast<char*>(&r);
  std::size_t got = 0;
  while (got < sizeof r) {
    const ssize_t n = retry_eintr([&] { return sys().read(fd, p + got, sizeof r - got); });
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return r.magic == record{}.magic;
}

// Moves a descriptor to >= 3, so that installing stdio can never clobber it.
int lift(int fd) noexcept {
  if (fd >= 3) return fd;
  const int lifted = sys().fcntl(fd, F_DUPFD_CLOEXEC, 3);
  sys().close(fd);
  return lifted;
}

bool make_channel(int ends[2]) noexcept {
  if (sys().socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == -1) return false;
  ends[0] = lift(ends[0]);
  ends[1] = lift(ends[1]);
  return ends[0] != -1 && ends[1] != -1;
}

// In the first child: waits until the daemon reports on `down` (true), or the invoking
// process is gone — `up` turns readable only at EOF, since the invoking process never writes
// to it (false).
bool await_report(int down, int up) noexcept {
  for (;;) {
    struct pollfd p[2] = {{down, POLLIN, 0}, {up, POLLIN, 0}};
    if (sys().poll(p, 2, -1) == -1) {
      if (errno == EINTR) continue;
      return true;  // let the blocking read decide
    }
    if (p[0].revents != 0) return true;
    if (p[1].revents != 0) return false;
  }
}

[[noreturn]] void report_and_exit(int fd, const step_status& s) noexcept {
  record r;
  r.kind = record::failed;
  r.status = s;
  send_record(fd, r);
  ::_exit(1);
}

// How the daemon goes on after the second fork when the program is re-launched (reexec_handoff):
// everything execve() needs, prepared by the invoking process, because building it in the
// fork window would allocate.
struct relaunch {
  const char* path;   // "/proc/self/exe"
  char* const* argv;
  char* const* envp;
  int hand;           // the daemon's end of the handoff channel: plan and arguments arrive here
};

// The first child and, after it returns, the daemon. Async-signal-safe throughout.
void become_daemon(plan& p, const stages& st, int up, const int down[2],
                   const relaunch* exec) noexcept {
  if (auto s = st.detach(p); !s.ok()) report_and_exit(up, s);
  if (sys().setsid() == -1) report_and_exit(up, step_status::failure(step::setsid, errno));
  const pid_t daemon = sys().fork();
  if (daemon == -1) report_and_exit(up, step_status::failure(step::second_fork, errno));

  if (daemon == 0) {  // the daemon: not a session leader, so it can never get a terminal
    sys().close(up);
    sys().close(down[0]);
    if (exec != nullptr) {
      // Only these two survive the exec; the new image finds them through DAEMONIKER_HANDOFF.
      if (sys().fcntl(down[1], F_SETFD, 0) == -1 || sys().fcntl(exec->hand, F_SETFD, 0) == -1) {
        report_and_exit(down[1], step_status::failure(step::handoff, errno, "fcntl"));
      }
      ::execve(exec->path, exec->argv, exec->envp);
      report_and_exit(down[1], step_status::failure(step::handoff, errno,
                                                    "execve(/proc/self/exe)"));
    }
    if (auto s = st.settle(p); !s.ok()) report_and_exit(down[1], s);
    if (st.defer_confirmation) {  // the program confirms later, with notify_ready()
      pending_channel = down[1];
      return;
    }
    record ready;
    ready.kind = record::ready;
    ready.pid = ::getpid();
    if (!send_record(down[1], ready)) {
      // Nobody can learn that we started: undo, so that nothing is left behind.
      st.abandon(p);
      ::_exit(1);
    }
    sys().close(down[1]);
    return;
  }

  // The first child: tell the invoking process who the daemon is, then relay its report.
  sys().close(down[1]);
  if (exec != nullptr) sys().close(exec->hand);
  record hello;
  hello.kind = record::hello;
  hello.pid = daemon;
  send_record(up, hello);
  record r;
  for (;;) {  // relay until a verdict: extensions of the deadline may come first
    if (!await_report(down[0], up)) {  // nobody waits any more: nothing half-started may stay
      sys().kill(daemon, SIGKILL);
      retry_eintr([&] { return sys().waitpid(daemon, nullptr, 0); });
      st.reclaim(p, daemon);
      sys().kill(-::getpid(), SIGKILL);  // the rest of the new session's group, and us
      ::_exit(1);
    }
    if (!receive_record(down[0], r)) {
      int status = 0;
      retry_eintr([&] { return sys().waitpid(daemon, &status, 0); });
      r = record{};
      r.kind = record::died;
      r.pid = daemon;
      r.wait_status = status;
    } else if (r.kind == record::failed) {
      int status = 0;  // it exits right after reporting; reap it before the invoker looks
      retry_eintr([&] { return sys().waitpid(daemon, &status, 0); });
    }
    send_record(up, r);
    if (r.kind != record::extend) ::_exit(0);
  }
}


// --- the invoking process ----------------------------------------------------------------

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return (abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig)) +
         " (" + (::sigdescr_np(sig) != nullptr ? ::sigdescr_np(sig) : "unknown signal") + ")";
}

std::string death_text(long long pid, int status) {
  const std::string who = "the daemon (pid " + std::to_string(pid) + ")";
  if (WIFEXITED(status)) {
    return who + " exited with status " + std::to_string(WEXITSTATUS(status)) +
           " before confirming startup";
  }
  if (WIFSIGNALED(status)) {
    return who + " was killed by " + signal_text(WTERMSIG(status)) + " before confirming startup";
  }
  return who + " ended before confirming startup";
}

// Waits for a child; false when its status could not be had.
bool reap(pid_t pid, int* status = nullptr) noexcept {
  int ignored = 0;
  return retry_eintr([&] {
           return sys().waitpid(pid, status != nullptr ? status : &ignored, 0);
         }) == pid;
}

// Waits (briefly) until `pid` has terminated, so that its pid file lock is released.
void await_death(pid_t pid) noexcept {
#ifdef SYS_pidfd_open
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd != -1) {
    struct pollfd pfd {pidfd, POLLIN, 0};
    retry_eintr([&] { return sys().poll(&pfd, 1, 2000); });
    sys().close(pidfd);
    return;
  }
#endif
  for (int i = 0; i < 200 && sys().kill(pid, 0) == 0; ++i) ::usleep(10'000);
}

// Everything the attempt started is gone; what the dead daemon left is removed, and the
// invoking process learns what failed.
role fail(const stages& st, plan& p, long long daemon, step_status s) {
  if (daemon > 0) st.reclaim(p, daemon);
  *st.failure = s;
  return role::failed;
}

role await_daemon(plan& p, const stages& st, int up, pid_t first) {
  using clock = std::chrono::steady_clock;
  // A century stands for "forever" without overflowing the clock.
  const auto wait = std::min<std::chrono::milliseconds>(p.success_timeout,
                                                        std::chrono::hours(24 * 365 * 100));
  auto deadline = clock::now() + wait;
  long long daemon = 0;
  record r;
  std::size_t got = 0;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    struct pollfd pfd {up, POLLIN, 0};
    const int slice = static_cast<int>(std::min<long long>(left.count(), INT_MAX));
    const int ready = left.count() <= 0 ? 0 : sys().poll(&pfd, 1, slice);
    if (ready == 0 && left.count() > INT_MAX) continue;  // a very long timeout: wait on
    if (ready == -1 && errno == EINTR) continue;
    if (ready <= 0) {  // timed out: nothing half-started may survive
      sys().kill(-first, SIGKILL);  // the new session's process group, once setsid() ran
      sys().kill(first, SIGKILL);
      if (daemon > 0) sys().kill(static_cast<pid_t>(daemon), SIGKILL);
      reap(first);
      if (daemon > 0) await_death(static_cast<pid_t>(daemon));
      sys().close(up);
      const std::string who =
          daemon > 0 ? "the daemon (pid " + std::to_string(daemon) + ")" : "the daemon";
      return fail(st, p, daemon,
           step_status::failure(step::startup, 0,
                                (who + " did not confirm startup within " +
                                 detail::seconds_text(p.success_timeout) +
                                 " and was killed; raise options::success_timeout if its "
                                 "startup is legitimately slow")
                                    .c_str()));
    }
    const ssize_t n = sys().read(up, reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) {  // EOF before a verdict: the first child died without reporting
      // Whatever it had started must not outlive us: its session, and the daemon if known.
      sys().kill(-first, SIGKILL);
      int status = 0;
      const bool known = reap(first, &status);
      if (daemon > 0) {
        sys().kill(static_cast<pid_t>(daemon), SIGKILL);
        await_death(static_cast<pid_t>(daemon));
      }
      sys().close(up);
      std::string what = "the intermediate process (pid " + std::to_string(first) + ") ";
      what += !known               ? std::string("ended")
              : WIFSIGNALED(status) ? "was killed by " + signal_text(WTERMSIG(status))
                                    : "exited with status " + std::to_string(WEXITSTATUS(status));
      return fail(st, p, daemon,
           step_status::failure(step::startup, 0, (what + " before the daemon confirmed").c_str()));
    }
    got += static_cast<std::size_t>(n);
    if (got < sizeof r) continue;
    got = 0;
    if (r.magic != record{}.magic) {
      reap(first);
      return fail(st, p, daemon, step_status::failure(step::startup, EPROTO, "garbled report from the daemon"));
    }
    switch (r.kind) {
      case record::hello:
        daemon = r.pid;
        continue;
      case record::extend: {
        const auto wanted = clock::now() + std::chrono::milliseconds(r.wait_status);
        if (wanted > deadline) deadline = wanted;
        continue;
      }
      case record::rejected: {  // the program said it cannot start: it exits now
        reap(first);
        sys().close(up);
        if (daemon > 0) await_death(static_cast<pid_t>(daemon));
        p.daemon_pid = daemon;
        r.status.failed = step::rejected;
        return fail(st, p, daemon, r.status);
      }
      case record::ready:
        reap(first);
        sys().close(up);
        p.daemon_pid = r.pid > 0 ? r.pid : daemon;
        return role::invoker;
      case record::failed:
        reap(first);
        sys().close(up);
        return fail(st, p, daemon, r.status);
      case record::died:
        reap(first);
        sys().close(up);
        return fail(st, p, r.pid,
             step_status::failure(step::startup, 0,
                                  death_text(r.pid, static_cast<int>(r.wait_status)).c_str()));
    }
    reap(first);
    return fail(st, p, daemon, step_status::failure(step::startup, EPROTO, "unknown report from the daemon"));
  }
}

// While daemonize() waits, its children must stay waitable: a caller that ignores SIGCHLD
// (or set SA_NOCLDWAIT) would have them reaped by the kernel — losing their exit status and
// letting their pids be reused before we signal them. The caller's disposition is put back
// once the daemon confirmed or the attempt failed.
class waitable_children {
 public:
  waitable_children() noexcept {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    changed_ = sys().sigaction(SIGCHLD, nullptr, &saved_) == 0 &&
               (saved_.sa_handler == SIG_IGN || (saved_.sa_flags & SA_NOCLDWAIT) != 0) &&
               sys().sigaction(SIGCHLD, &dfl, nullptr) == 0;
  }
  ~waitable_children() {
    // Only in the invoking process: the daemon keeps the default that reset_signals() set.
    if (changed_ && ::getpid() == owner_) sys().sigaction(SIGCHLD, &saved_, nullptr);
  }
  waitable_children(const waitable_children&) = delete;
  waitable_children& operator=(const waitable_children&) = delete;

 private:
  struct sigaction saved_ {};
  bool changed_ = false;
  pid_t owner_ = ::getpid();
};

}  // namespace

namespace {

// Sends `bytes` to the re-launched daemon, giving up at `deadline` or when it is gone (its
// report, or its death, then reaches the invoking process on the other channel).
void send_handoff(int fd, std::string_view bytes,
                  std::chrono::steady_clock::time_point deadline) noexcept {
  while (!bytes.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    struct pollfd pfd {fd, POLLOUT, 0};
    const int ready = sys().poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (ready == -1 && errno == EINTR) continue;
    if (ready <= 0 || (pfd.revents & (POLLERR | POLLHUP)) != 0) return;
    const ssize_t n = sys().send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == -1 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The invoking process's side of both handoffs.
// `down` is the channel from the daemon to the first child, made by the caller (whose daemon
// may need to know its numbers).
role start_daemon(plan& p, const stages& st, const int down[2], const relaunch* exec,
                  int hand_parent, std::string_view handoff_bytes) {
  waitable_children keep_zombies;
  int up[2];
  if (!make_channel(up)) {
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  // The sweep in the first child must leave the channels open.
  p.keep(up[1]);
  p.keep(down[0]);
  p.keep(down[1]);
  if (exec != nullptr) p.keep(exec->hand);

  // Output buffered in stdio would otherwise be written once by each process.
  std::fflush(nullptr);
  // Block every signal across fork(): the first child must not run one of the caller's
  // handlers before reset_signals() has put the defaults back.
  sigset_t all, previous;
  sigfillset(&all);
  sys().sigprocmask(SIG_SETMASK, &all, &previous);
  const pid_t first = sys().fork();
  if (first == 0) {
    sys().close(up[0]);
    if (hand_parent != -1) sys().close(hand_parent);
    become_daemon(p, st, up[1], down, exec);
    return role::daemon;
  }
  const int fork_error = errno;
  sys().sigprocmask(SIG_SETMASK, &previous, nullptr);
  sys().close(up[1]);
  sys().close(down[0]);
  sys().close(down[1]);
  if (exec != nullptr) sys().close(exec->hand);
  if (first == -1) {
    sys().close(up[0]);
    if (hand_parent != -1) sys().close(hand_parent);
    *st.failure = step_status::failure(step::fork, fork_error);
    return role::failed;
  }
  if (hand_parent != -1) {
    const auto wait = std::min<std::chrono::milliseconds>(p.success_timeout,
                                                          std::chrono::hours(24 * 365 * 100));
    send_handoff(hand_parent, handoff_bytes, std::chrono::steady_clock::now() + wait);
    sys().close(hand_parent);  // EOF: the daemon has all of it
  }
  return await_daemon(p, st, up[0], first);
}

}  // namespace

namespace {

// The number of threads of this process (/proc/self/task), or 0 when it cannot be told.
int thread_count() noexcept {
  const int dir = retry_eintr(
      [] { return sys().open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0); });
  if (dir == -1) return 0;
  alignas(8) char buffer[4096];
  int threads = 0;
  for (;;) {
    const int n = sys().getdents64(dir, buffer, sizeof buffer);
    if (n <= 0) break;
    for (int at = 0; at < n;) {
      const auto* name = buffer + at + 19;  // d_name in struct linux_dirent64
      const unsigned short reclen = *reinterpret_cast<const unsigned short*>(buffer + at + 16);
      if (name[0] != '.') ++threads;
      at += reclen;
    }
  }
  sys().close(dir);
  return threads;
}

}  // namespace

// Already supervised (or asked to stay): no fork, no new session, no sweep, no signal reset;
// umask, chdir, stdio, pid file and readiness as usual. The supervisor learns of readiness
// through notify_ready() (READY=1), sent here unless the program confirms itself.
role stay_in_foreground(plan& p, const stages& st) {
  p.foreground = true;
  switch (detect_supervisor()) {
    case supervisor::pid1:
    case supervisor::tini:
    case supervisor::dumb_init:
    case supervisor::docker_init:
    case supervisor::catatonit:
    case supervisor::s6_overlay:
      detail::stayed_in_container();
      break;
    default:
      break;
  }
  if (auto s = st.settle(p); !s.ok()) {  // in the supervisor's own child: nothing to undo
    *st.failure = s;
    return role::failed;
  }
  if (!st.defer_confirmation) notify_ready();
  return role::daemon;
}

bool foreground_wanted(detach_mode mode) noexcept {
  return mode == detach_mode::never ||
         (mode == detach_mode::unless_supervised && detect_supervisor() != supervisor::none);
}

role fork_handoff::launch(plan& p, const stages& st) {
  if (foreground_wanted(detach) || (detach == detach_mode::unless_supervised && !p.listen_fds.empty())) {
    return stay_in_foreground(p, st);
  }
  if (!allow_threads) {
    if (const int threads = thread_count(); threads > 1) {
      *st.failure =
          step_status::failure(
              step::fork, 0,
              ("this process runs " + std::to_string(threads) +
               " threads, and fork() copies only the calling one: the daemon could hang on a "
               "lock another thread held. Daemonize before starting threads, use "
               "daemoniker::reexec_handoff (it starts the program afresh), or set "
               "fork_handoff{.allow_threads = true} if you know what every thread holds")
                  .c_str());
      return role::failed;
    }
  }
  int down[2];
  if (!make_channel(down)) {
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  return start_daemon(p, st, down, nullptr, -1, {});
}

// --- reexec_handoff ---------------------------------------------------------------------------

namespace {

constexpr const char* kHandoffVariable = "DAEMONIKER_HANDOFF";
constexpr std::size_t kMaxHandoff = std::size_t{256} << 20;  // 256 MiB of arguments is a bug

// Read before main() runs: is this process a re-launched daemon? (The variable is removed as
// soon as the daemon has read its handoff, so asking later would give the wrong answer.)
bool started_relaunched() noexcept {
  static const bool relaunched = std::getenv(kHandoffVariable) != nullptr;
  return relaunched;
}
[[maybe_unused]] const bool kEvaluatedEarly = started_relaunched();

[[noreturn]] void handoff_unusable(const char* what) noexcept {
  std::fprintf(stderr,
               "%s: daemoniker: %s is set, but %s; it is set only for a daemon that "
               "daemoniker re-launched: unset it\n",
               program_invocation_short_name, kHandoffVariable, what);
  std::fflush(nullptr);
  ::_exit(2);
}

// The re-launched daemon: take the plan and the arguments, settle, confirm.
role continue_relaunched(plan& p, const stages& st) {
  const char* value = std::getenv(kHandoffVariable);
  int hand = -1, down = -1;
  if (value != nullptr) {  // "<hand>,<down>"
    char* end = nullptr;
    hand = static_cast<int>(std::strtol(value, &end, 10));
    down = end != nullptr && *end == ',' ? static_cast<int>(std::strtol(end + 1, &end, 10)) : -1;
    if (end == nullptr || *end != '\0') hand = down = -1;
  }
  if (value == nullptr || hand < 0 || down < 0 ||
      sys().fcntl(hand, F_GETFD, 0) == -1 || sys().fcntl(down, F_GETFD, 0) == -1) {
    handoff_unusable("it does not name open channels");
  }
  ::unsetenv(kHandoffVariable);  // children of the daemon must not take themselves for it
  // Close-on-exec again: the daemon's own children must not inherit the channels.
  sys().fcntl(hand, F_SETFD, FD_CLOEXEC);
  sys().fcntl(down, F_SETFD, FD_CLOEXEC);

  std::string bytes;
  char buffer[65536];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return sys().read(hand, buffer, sizeof buffer); });
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
    if (bytes.size() > kMaxHandoff) break;
  }
  sys().close(hand);

  const std::size_t plan_size = payload_frame_size(bytes);
  std::string error;
  auto received = plan_size == 0 ? std::nullopt
                                 : decode_payload<plan>(std::string_view(bytes).substr(0, plan_size), error);
  if (!received) {
    report_and_exit(down, step_status::failure(
                              step::handoff, 0,
                              (plan_size == 0 ? "the handoff was truncated" : error).c_str()));
  }
  p = std::move(std::get<0>(*received));
  if (auto s = st.accept(std::string_view(bytes).substr(plan_size)); !s.ok()) {
    report_and_exit(down, s);
  }
  if (auto s = st.settle(p); !s.ok()) report_and_exit(down, s);
  if (st.defer_confirmation) {
    pending_channel = down;
    return role::daemon;
  }
  record ready;
  ready.kind = record::ready;
  ready.pid = ::getpid();
  if (!send_record(down, ready)) {
    st.abandon(p);
    ::_exit(1);
  }
  sys().close(down);
  return role::daemon;
}

// The command line of this process, as it was given (/proc/self/cmdline).
bool read_command_line(std::vector<std::string>& argv) {
  const int fd = sys().open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
  if (fd == -1) return false;
  std::string all;
  char buffer[4096];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return sys().read(fd, buffer, sizeof buffer); });
    if (n <= 0) break;
    all.append(buffer, static_cast<std::size_t>(n));
  }
  sys().close(fd);
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = all.find('\0', at);
    argv.push_back(all.substr(at, end - at));
    at = end == std::string::npos ? all.size() : end + 1;
  }
  return !argv.empty();
}

}  // namespace

bool reexec_handoff::is_setup() const noexcept { return !started_relaunched(); }

namespace detail {

bool confirmation_pending() noexcept { return pending_channel != -1; }

void confirm_startup(bool ready, const char* message, int exit_code) noexcept {
  if (pending_channel == -1) return;
  record r;
  r.kind = ready ? record::ready : record::rejected;
  r.pid = ::getpid();
  if (!ready) r.status = step_status::failure(step::startup, 0, message, exit_code);
  send_record(pending_channel, r);
  sys().close(pending_channel);
  pending_channel = -1;
}

void extend_confirmation(std::chrono::milliseconds more) noexcept {
  if (pending_channel == -1) return;
  record r;
  r.kind = record::extend;
  r.pid = ::getpid();
  r.wait_status = more.count();
  send_record(pending_channel, r);
}

}  // namespace detail

role reexec_handoff::launch(plan& p, const stages& st) {
  if (!is_setup()) return continue_relaunched(p, st);
  if (foreground_wanted(detach_mode::unless_supervised) || !p.listen_fds.empty()) {
    return stay_in_foreground(p, st);
  }

  std::vector<std::string> args;
  if (!read_command_line(args)) {
    *st.failure = step_status::failure(step::handoff, errno,
                                     "cannot read /proc/self/cmdline to re-launch the program: "
                                     "is /proc mounted?");
    return role::failed;
  }
  if (p.strip_cmd_args) args.resize(1);
  int hand[2], down[2];
  if (!make_channel(hand) || !make_channel(down)) {
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  // The environment of the new run: ours, and where its two channels are (their numbers
  // survive execve()).
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "DAEMONIKER_HANDOFF=", 19) != 0) env.emplace_back(*e);
  }
  env.push_back(std::string(kHandoffVariable) + "=" + std::to_string(hand[1]) + "," +
                std::to_string(down[1]));
  std::vector<char*> argv_ptrs, env_ptrs;
  for (auto& a : args) argv_ptrs.push_back(a.data());
  argv_ptrs.push_back(nullptr);
  for (auto& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  const relaunch exec{"/proc/self/exe", argv_ptrs.data(), env_ptrs.data(), hand[1]};

  const std::string frames = encode_payload(p) + std::string(st.payload);
  return start_daemon(p, st, down, &exec, hand[0], frames);
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
