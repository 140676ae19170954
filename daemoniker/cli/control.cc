// status, stop, signal and reload: acting on a daemon through its pid file, under the rules of
// daemoniker/src/identity.hpp — only a verified daemon is signalled, pinned by a pidfd; a
// session only when daemonization made it; never pid <= 1 or the caller's own pid, group or
// session.
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <string>
#include <system_error>

#include "daemoniker/src/identity.hpp"
#include <daemoniker/pid_file.hpp>

#include "daemoniker/cli/commands.hpp"
#include "daemoniker/cli/json.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::cli {

namespace os = detail::os;
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using detail::examined;

std::string pids_text(const std::vector<long long>& pids) {
  std::string out;
  for (const long long p : pids) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

// "pid N has exited, but processes A, B of its session S still hold the lock of 'P'"
std::string orphaned_text(const pid_file_status& st, const std::string& pidfile) {
  return st.error + "; processes " + pids_text(st.lock_holders) + " of its session " +
         std::to_string(st.session) + " still hold the lock of '" + pidfile + "'";
}

// True while some process holds an exclusive lock on the file: cheap (no /proc scan), for
// polling.
bool exclusively_locked(const std::string& pidfile) {
  const int fd = os::open(pidfile.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd == -1) return false;
  const bool locked = os::flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK &&
                      os::flock(fd, LOCK_SH | LOCK_NB) == -1;
  os::close(fd);
  return locked;
}

// What stop acts on: the daemon's family (every process ever pinned and checked as part of
// it), or the daemon alone. Gone when the lock is released and every one of them exited —
// also when the daemon removed its pid file first.
struct stop_target {
  const stop_args& a;
  bool by_lock = true;           // identified by the pid file's lock, not by a match
  std::vector<detail::pinned> members;

  void add(detail::pinned p) {
    for (const auto& m : members) {
      if (m.pid() == p.pid()) return;
    }
    if (p.valid()) members.push_back(std::move(p));
  }
  bool any_alive() const {
    for (const auto& m : members) {
      if (m.alive()) return true;
    }
    return false;
  }
  // (--kill-mode process: the daemon's pid alone; children that inherited its lock may stay.)
  bool gone() const {
    return !any_alive() && !(by_lock && a.kill_mode == "family" && exclusively_locked(a.pidfile));
  }

  // A pidfd turns readable a moment before /proc shows its process as a zombie: wait for that
  // (a few microseconds; 0.5 s at most, looking every 50 µs), or the pid file would still look
  // like a live pid's.
  void settle() const {
    const struct timespec tick {0, 50'000};
    for (const auto& m : members) {
      const std::string stat = "/proc/" + std::to_string(m.pid()) + "/stat";
      for (int i = 0; i < 10'000; ++i) {
        char buf[512] = {};
        const int fd = os::open(stat.c_str(), O_RDONLY | O_CLOEXEC, 0);
        if (fd == -1) break;
        const ssize_t n = os::read(fd, buf, sizeof buf - 1);
        os::close(fd);
        const char* close = n > 0 ? std::strrchr(buf, ')') : nullptr;
        if (close == nullptr || close[1] == '\0' || close[2] == 'Z' || close[2] == 'X') break;
        os::nanosleep(&tick, nullptr);
      }
    }
  }

  // One signal: re-examined first, so that every signal goes to what is verified now.
  void send(int sig) {
    if (by_lock && exclusively_locked(a.pidfile)) {
      const examined now = detail::examine(a.pidfile, a.match);
      if (a.kill_mode == "family" && now.status.session != 0) {
        for (auto& p : detail::pin_family(now)) add(std::move(p));
      } else if (now.status.verified) {
        add(detail::pin_daemon(now, a.match));
      }
    }
    for (const auto& m : members) {
      if (m.alive()) m.signal(sig);
    }
  }

  // Waits until gone or `until`; any member's pidfd wakes us as soon as it exits. Only a lock
  // still held once every member exited (by a process that is not one) is looked at again
  // every 10 ms.
  bool wait(clock_type::time_point until) const {
    while (!gone()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock_type::now());
      if (left.count() <= 0) return false;
      const int slice = static_cast<int>(std::min<long long>(left.count(), 10));
      if (any_alive()) {
        detail::wait_any_exit(members, static_cast<int>(std::min<long long>(left.count(), 1000)));
      } else {
        os::poll(nullptr, 0, slice);
      }
    }
    return true;
  }
};

int stopped(const stop_args& a, const stop_target& t, const pid_file_status& st) {
  t.settle();
  const std::string file = remove_if_stale(a.pidfile);
  std::printf("daemoniker: stopped (%s)\n",
              st.verified ? ("pid " + std::to_string(st.pid)).c_str()
                          : ("processes " + pids_text(st.lock_holders) + " holding its lock").c_str());
  if (file.rfind("not removed", 0) == 0) {
    std::fprintf(stderr, "daemoniker: the pid file '%s' was %s\n", a.pidfile.c_str(), file.c_str());
  }
  return 0;
}

// Says why nothing will be signalled; exit status 1.
int refuse(const examined& e, const std::string& pidfile) {
  const pid_file_status& st = e.status;
  if (st.state == pid_file_state::unverified) {
    std::fprintf(stderr, "daemoniker: %s; nothing was signalled and the pid file is kept\n",
                 st.error.c_str());
    return 1;
  }
  std::string why = st.error;
  if (st.verified) {  // identified, but this process may not signal it
    why = "pid " + std::to_string(st.pid) + " from '" + pidfile + "' is its daemon, but " +
          detail::forbidden_target(st.pid) + " (run stop from outside the daemon's process tree)";
  } else if (st.session != 0) {
    why += "; its lock holders " + pids_text(st.lock_holders) +
           " are this process's own family (it runs inside the daemon's process tree)";
  } else if (!st.lock_holders.empty()) {
    why += "; its lock is held by " + pids_text(st.lock_holders) +
           ", in a session that daemonization did not make (a supervisor's or a shell's)";
  }
  std::fprintf(stderr, "daemoniker: %s; not signalled ('%s' kept)\n", why.c_str(), pidfile.c_str());
  return 1;
}

}  // namespace

std::string remove_if_stale(const std::string& pidfile) {
  // Locked while it is unlinked, as locked_pid_file does: a starter that opened the same inode
  // sees it vanish and retries. Kept when it names a live process (it may be someone's).
  const examined before = detail::examine(pidfile, {});
  if (before.status.state != pid_file_state::stale) return "kept";
  const int fd = os::open(pidfile.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
  if (fd == -1) return errno == ENOENT ? "removed" : std::string("not removed: ") + std::strerror(errno);
  std::string outcome = "kept";
  struct stat by_fd {}, by_name {};
  // Exclusive, or shared when only readers' shared locks are on it (no daemon's lock then).
  const bool ours = os::flock(fd, LOCK_EX | LOCK_NB) == 0 || (errno == EWOULDBLOCK && os::flock(fd, LOCK_SH | LOCK_NB) == 0);
  if (os::fstat(fd, &by_fd) == 0 && by_fd.st_ino == before.key.inode && S_ISREG(by_fd.st_mode) &&
      ours && os::lstat(pidfile.c_str(), &by_name) == 0 &&
      by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev) {
    outcome = os::unlink(pidfile.c_str()) == 0 ? "removed" : std::string("not removed: ") + std::strerror(errno);
  }
  os::close(fd);
  return outcome;
}

namespace {

// What status answers: its LSB exit code and its line of text.
struct status_verdict {
  int code;
  std::string text;
};

status_verdict judge(const control_args& a, const pid_file_status& st) {
  switch (st.state) {
    case pid_file_state::running:
      if (st.verified) {
        return {0, "running (pid " + std::to_string(st.pid) + ", up " + std::to_string(st.uptime.count()) + " s)"};
      }
      if (!a.match.empty()) return {1, "not running as matched: " + st.error};  // start-stop-daemon --status
      if (st.session != 0) return {0, "running: " + orphaned_text(st, a.pidfile)};
      return {4, "unknown: " + st.error +
                     (st.lock_holders.empty() ? "" : "; held by " + pids_text(st.lock_holders))};
    case pid_file_state::stale:
      return {1, "dead, but pid file exists (" + a.pidfile + ", pid " + std::to_string(st.pid) + ")"};
    case pid_file_state::absent:
      return {3, "not running"};
    case pid_file_state::unverified:
      if (!a.match.empty()) return {1, "dead, but pid file exists (" + st.error + ")"};  // as above
      return {4, "unknown: " + st.error};
    case pid_file_state::unreadable:
      return {4, "unknown: " + st.error};
  }
  return {4, "unknown: " + st.error};
}

}  // namespace

int do_status(const status_args& a) {
  const examined e = detail::examine(a.pidfile, a.match);
  const status_verdict verdict = judge(a, e.status);
  if (a.json) {  // the same exit code; the facts instead of the sentence
    std::error_code ec;
    const fs::path absolute = fs::absolute(a.pidfile, ec);
    std::fputs(status_json(ec ? a.pidfile : absolute.string(), e.status).c_str(), stdout);
  } else {
    std::printf("%s\n", verdict.text.c_str());
  }
  return verdict.code;
}

int do_stop(const stop_args& a, const std::vector<schedule_step>& schedule) {
  const examined e = detail::examine(a.pidfile, a.match);
  const pid_file_status& st = e.status;
  switch (st.state) {
    case pid_file_state::absent:
      std::printf("daemoniker: not running (no pid file %s)\n", a.pidfile.c_str());
      return 0;
    case pid_file_state::unreadable:
      std::fprintf(stderr, "daemoniker: %s\n", st.error.c_str());
      return 1;
    case pid_file_state::stale: {
      // Its daemon is gone; the pid in it may be someone else's now: never signal it.
      const std::string file = remove_if_stale(a.pidfile);
      std::printf("daemoniker: not running (stale pid file, pid %lld not signalled; %s)\n", st.pid, file.c_str());
      return file.rfind("not removed", 0) == 0 ? 1 : 0;
    }
    case pid_file_state::unverified:
    case pid_file_state::running:
      break;
  }
  stop_target t{a, !st.lock_holders.empty() || st.session != 0, {}};
  // Something to signal, first: the family (made by daemonization), or the daemon alone.
  if (t.by_lock && a.kill_mode == "family" && st.session != 0) {
    for (auto& p : detail::pin_family(e)) t.add(std::move(p));
  } else if (st.verified) {
    t.add(detail::pin_daemon(e, a.match));
  }
  if (t.members.empty()) return refuse(e, a.pidfile);
  // start-stop-daemon: at the end of the schedule, go back to what follows "forever" (a
  // trailing "forever" repeats the whole schedule).
  std::size_t repeat_at = schedule.size();
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    if (schedule[i].kind == schedule_step::forever) repeat_at = i + 1 < schedule.size() ? i + 1 : 0;
  }
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const auto& step = schedule[i];
    if (t.gone()) return stopped(a, t, st);  // checked right before each signal
    if (step.kind == schedule_step::send) t.send(step.signal);
    if (step.kind == schedule_step::wait && t.wait(clock_type::now() + step.timeout)) {
      return stopped(a, t, st);
    }
    if (i + 1 == schedule.size() && repeat_at < schedule.size()) i = repeat_at - 1;
  }
  if (t.gone()) return stopped(a, t, st);
  std::string left;
  for (const auto& m : t.members) {
    if (m.alive()) left += (left.empty() ? "" : ", ") + std::to_string(m.pid());
  }
  std::fprintf(stderr, "daemoniker: the daemon is still running after the schedule %s (%s)\n",
               schedule_text(schedule).c_str(),
               left.empty() ? "its pid file is still locked" : ("processes " + left).c_str());
  return 1;
}

int do_signal(const control_args& a, int sig) {
  try {
    daemoniker::send(a.pidfile, sig, a.match);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "daemoniker: %s\n", e.what());
    return 1;
  }
  std::printf("daemoniker: sent %s to pid %lld\n", signal_name(sig).c_str(),
              detail::examine(a.pidfile, a.match).status.pid);
  return 0;
}

}  // namespace daemoniker::cli
