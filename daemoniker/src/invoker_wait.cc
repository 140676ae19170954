// The invoking process of the POSIX handoff: fork, hand a re-launched daemon its plan, and
// wait for the verdict — bounded by plan.success_timeout, after which the new session is
// killed. Every failure is cleaned up here and returned as role::failed.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <cstdio>
#include <string>
#include <string_view>

#include "daemoniker/src/fixed_steps.hpp"
#include "daemoniker/src/messages.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/src/verdict.hpp"
#include "fork_window.hpp"

namespace daemoniker::detail {
namespace {

// Waits for a child; false when its status could not be had.
bool reap(pid_t pid, int* status = nullptr) noexcept {
  int ignored = 0;
  return retry_eintr([&] {
           return os::waitpid(pid, status != nullptr ? status : &ignored, 0);
         }) == pid;
}

// Waits (briefly) until `pid` has terminated, so that its pid file lock is released.
void await_death(pid_t pid) noexcept {
  const int pidfd = os::pidfd_open(pid, 0);
  if (pidfd != -1) {
    struct pollfd pfd {pidfd, POLLIN, 0};
    retry_eintr([&] { return os::poll(&pfd, 1, 2000); });
    os::close(pidfd);
    return;
  }
  const struct timespec tick {0, 10'000'000};
  for (int i = 0; i < 200 && os::kill(pid, 0) == 0; ++i) os::nanosleep(&tick, nullptr);
}

// Everything the attempt started is gone; what the dead daemon left is removed, and the
// invoking process learns what failed.
role fail(const stages& st, plan& p, long long daemon, step_status s) {
  if (daemon > 0) st.reclaim(p, daemon);
  *st.failure = s;
  return role::failed;
}

// The invoking process waiting for the verdict on `up`, from the first child `first`.
class verdict_wait {
 public:
  verdict_wait(plan& p, const stages& st, int up, pid_t first)
      : p_(p), st_(st), up_(up), first_(first), wait_(p.success_timeout, /*relayed=*/true) {}

  role run() {
    for (;;) {
      const auto left = wait_.left();
      struct pollfd pfd {up_, POLLIN, 0};
      const int slice = static_cast<int>(std::min<long long>(left.count(), INT_MAX));
      const int ready = left.count() <= 0 ? 0 : os::poll(&pfd, 1, slice);
      if (ready == 0 && left.count() > INT_MAX) continue;  // a very long timeout: wait on
      if (ready == -1 && errno == EINTR) continue;
      if (ready <= 0) return timed_out();
      const ssize_t n = os::read(up_, wait_.space(), wait_.missing());
      if (n == -1 && errno == EINTR) continue;
      if (n <= 0) return first_child_died();
      if (const auto v = wait_.take(static_cast<std::size_t>(n), p_); v != startup_wait::verdict::pending) {
        return verdict(v);
      }
    }
  }

 private:
  // Nothing half-started may survive: the new session's group (once setsid() ran), the first
  // child, the daemon if known.
  role timed_out() {
    const long long daemon = wait_.daemon();
    os::kill(-first_, SIGKILL);
    os::kill(first_, SIGKILL);
    if (daemon > 0) os::kill(static_cast<pid_t>(daemon), SIGKILL);
    reap(first_);
    if (daemon > 0) await_death(static_cast<pid_t>(daemon));
    os::close(up_);
    return fail(st_, p_, daemon,
                step_status::failure(step::startup, 0,
                                     startup_timeout_text(daemon, p_.success_timeout, "killed").c_str()));
  }

  // EOF before a verdict: the first child died without reporting. What it started goes too.
  role first_child_died() {
    const long long daemon = wait_.daemon();
    os::kill(-first_, SIGKILL);
    int status = 0;
    const bool known = reap(first_, &status);
    if (daemon > 0) {
      os::kill(static_cast<pid_t>(daemon), SIGKILL);
      await_death(static_cast<pid_t>(daemon));
    }
    os::close(up_);
    const std::string what = "the intermediate process (pid " + std::to_string(first_) + ") " +
                             (known ? how_it_ended(status) : "ended") + " before the daemon confirmed";
    return fail(st_, p_, daemon, step_status::failure(step::startup, 0, what.c_str()));
  }

  // A final report: the first child has relayed it and exits.
  role verdict(startup_wait::verdict v) {
    const long long daemon = wait_.daemon();
    reap(first_);
    os::close(up_);
    switch (v) {
      case startup_wait::verdict::ready:
        return role::invoker;
      case startup_wait::verdict::died: {
        const record& r = wait_.report();
        const std::string text = ended_before_confirming(r.pid, how_it_ended(static_cast<int>(r.wait_status)));
        return fail(st_, p_, r.pid, step_status::failure(step::startup, 0, text.c_str()));
      }
      default:  // failed (the first child reaped it), rejected (it exits now), broken
        // A rejecting daemon still runs; its pid file lock goes when it has exited.
        if (wait_.failure().failed == step::rejected && daemon > 0) await_death(static_cast<pid_t>(daemon));
        return fail(st_, p_, daemon, wait_.failure());
    }
  }

  plan& p_;
  const stages& st_;
  int up_;
  pid_t first_;
  startup_wait wait_;
};

role await_daemon(plan& p, const stages& st, int up, pid_t first) {
  return verdict_wait(p, st, up, first).run();
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
    changed_ = os::sigaction(SIGCHLD, nullptr, &saved_) == 0 &&
               (saved_.sa_handler == SIG_IGN || (saved_.sa_flags & SA_NOCLDWAIT) != 0) &&
               os::sigaction(SIGCHLD, &dfl, nullptr) == 0;
  }
  ~waitable_children() {
    // Only in the invoking process: the daemon keeps the default that reset_signals() set.
    if (changed_ && os::getpid() == owner_) os::sigaction(SIGCHLD, &saved_, nullptr);
  }
  waitable_children(const waitable_children&) = delete;
  waitable_children& operator=(const waitable_children&) = delete;

 private:
  struct sigaction saved_ {};
  bool changed_ = false;
  pid_t owner_ = os::getpid();
};

// Sends `bytes` to the re-launched daemon, giving up at `deadline` or when it is gone (its
// report, or its death, then reaches the invoking process on the other channel).
void send_handoff(int fd, std::string_view bytes,
                  std::chrono::steady_clock::time_point deadline) noexcept {
  while (!bytes.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    struct pollfd pfd {fd, POLLOUT, 0};
    const int ready = os::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (ready == -1 && errno == EINTR) continue;
    if (ready <= 0 || (pfd.revents & (POLLERR | POLLHUP)) != 0) return;
    const ssize_t n = os::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == -1 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

role start_daemon(plan& p, const stages& st, const int down[2], const relaunch* exec,
                  int hand_parent, std::string_view handoff_bytes) {
  waitable_children keep_zombies;
  int up[2];
  if (!make_channel(up)) {
    *st.failure = step_status::failure(step::channel, errno);
    int caller_made[2] = {down[0], down[1]};  // nothing made for this attempt may stay open
    close_ends(caller_made);
    if (exec != nullptr) os::close(exec->hand);
    if (hand_parent != -1) os::close(hand_parent);
    return role::failed;
  }
  // The sweep in the first child must leave the channels open.
  p.shield(up[1]);
  p.shield(down[0]);
  p.shield(down[1]);
  if (exec != nullptr) p.shield(exec->hand);

  // Output buffered in stdio would otherwise be written once by each process.
  std::fflush(nullptr);
  // Block every signal across fork(): the first child must not run one of the caller's
  // handlers before reset_signals() has put the defaults back.
  sigset_t all, previous;
  sigfillset(&all);
  os::sigprocmask(SIG_SETMASK, &all, &previous);
  const pid_t first = os::fork();
  if (first == 0) {
    os::close(up[0]);
    if (hand_parent != -1) os::close(hand_parent);
    become_daemon(p, st, up[1], down, exec);
    return role::daemon;
  }
  const int fork_error = errno;
  os::sigprocmask(SIG_SETMASK, &previous, nullptr);
  os::close(up[1]);
  os::close(down[0]);
  os::close(down[1]);
  if (exec != nullptr) os::close(exec->hand);
  if (first == -1) {
    os::close(up[0]);
    if (hand_parent != -1) os::close(hand_parent);
    *st.failure = step_status::failure(step::fork, fork_error);
    return role::failed;
  }
  if (hand_parent != -1) {
    const auto wait = std::min<std::chrono::milliseconds>(p.success_timeout,
                                                          std::chrono::hours(24 * 365 * 100));
    send_handoff(hand_parent, handoff_bytes, std::chrono::steady_clock::now() + wait);
    os::close(hand_parent);  // EOF: the daemon has all of it
  }
  return await_daemon(p, st, up[0], first);
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
