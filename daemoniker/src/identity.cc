// Process identity from /proc and pidfds (see identity.hpp for the rules).
#if !defined(_WIN32)  // POSIX (Linux); Windows has no pid-file lock to verify against
#include "daemoniker/detail/identity.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "text.hpp"

namespace daemoniker::detail {
namespace {

// A whole small /proc file (fdinfo, stat, comm); empty when it cannot be read.
std::string read_small(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// The numeric entries of a /proc directory.
template <class F>
void for_each_number(const std::string& dir, F&& f) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    char* end = nullptr;
    const long n = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && n >= 0) f(static_cast<int>(n));
  }
  ::closedir(d);
}

// Field `n` (4 ppid, 6 session, 22 starttime) of /proc/PID/stat — after the command, which
// may hold spaces and parentheses: "pid (comm) state ppid pgrp session ...". 0 when unknown.
long long stat_field(pid_t pid, int n) {
  const std::string line = read_small("/proc/" + std::to_string(pid) + "/stat");
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  const char* at = line.c_str() + close + 1;  // " S ppid ...": the space before field 3
  for (int field = 3; field < n && at != nullptr; ++field) at = std::strchr(at + 1, ' ');
  return at != nullptr ? std::strtoll(at, nullptr, 10) : 0;
}

int pidfd_open(pid_t pid) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

}  // namespace

holding holds_lock(pid_t pid, const file_key& key) noexcept {
  try {
    // A lock line names the file as MAJOR:MINOR:INODE and is shown only on the descriptors
    // that share the locking open file description — a process that merely opened the file
    // (to read it, as we do) has no such line. The daemon's lock is exclusive (WRITE): a
    // shared lock anyone may take on a readable file is not it.
    char needle[64];
    std::snprintf(needle, sizeof needle, " %02x:%02x:%llu ", key.major, key.minor, key.inode);
    const std::string base = "/proc/" + std::to_string(pid) + "/fdinfo/";
    DIR* d = ::opendir(base.c_str());
    if (d == nullptr) return errno == EACCES || errno == EPERM ? holding::unknown : holding::no;
    ::closedir(d);
    bool found = false;
    for_each_number(base, [&](int fd) {
      if (found) return;
      const std::string info = read_small(base + std::to_string(fd));
      for (std::size_t at = info.find("lock:"); at != std::string::npos;
           at = info.find("lock:", at + 5)) {
        const std::size_t end = info.find('\n', at);
        const std::string line = info.substr(at, end - at) + " ";
        found = found || (line.find("FLOCK") != std::string::npos &&
                          line.find("WRITE") != std::string::npos &&
                          line.find(needle) != std::string::npos);
      }
    });
    return found ? holding::yes : holding::no;
  } catch (...) {
    return holding::unknown;
  }
}

std::vector<pid_t> lock_holders(const file_key& key) {
  std::vector<pid_t> holders;
  for_each_number("/proc", [&](int pid) {
    if (pid > 0 && holds_lock(pid, key) == holding::yes) holders.push_back(pid);
  });
  std::sort(holders.begin(), holders.end());
  return holders;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> kids;
  for_each_number("/proc", [&](int pid) {
    if (pid > 1 && stat_field(pid, 4) == parent) kids.push_back(pid);
  });
  return kids;
}

pid_t session_of(pid_t pid) noexcept {
  const pid_t sid = ::getsid(pid);
  return sid > 0 ? sid : 0;
}

bool made_by_daemonization(pid_t sid) noexcept {
  if (sid <= 1 || sid == ::getsid(0)) return false;
  // The leader's pid number stays taken while its session has members, so "no process has
  // it" means the leader exited — the double fork's intermediate process did.
  return ::kill(sid, 0) == -1 && errno == ESRCH;
}

const char* forbidden_target(long long pid) noexcept {
  if (pid <= 0) return "it is not a process id";
  if (pid == 1) return "it is init (pid 1)";
  if (pid > 0x3fffffff) return "it is out of the range of process ids";
  if (pid == ::getpid()) return "it is this very process";
  if (pid == ::getpgrp()) return "it is this process's own process group";
  if (pid == ::getsid(0)) return "it is this process's own session";
  for (pid_t up = ::getppid(); up > 1; up = static_cast<pid_t>(stat_field(up, 4))) {
    if (pid == up) return "it is an ancestor of this process";
  }
  return nullptr;
}

pinned::pinned(pid_t pid) noexcept : pid_(pid), fd_(pid > 0 ? pidfd_open(pid) : -1) {}

pinned::pinned(pinned&& other) noexcept : pid_(other.pid_), fd_(other.fd_) { other.fd_ = -1; }

pinned& pinned::operator=(pinned&& other) noexcept {
  if (this != &other) {
    if (fd_ != -1) ::close(fd_);
    pid_ = other.pid_;
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

pinned::~pinned() {
  if (fd_ != -1) ::close(fd_);
}

bool pinned::alive() const noexcept { return fd_ != -1 && !wait_exit(0); }

int pinned::signal(int sig) const noexcept {
  if (fd_ == -1) {
    errno = ESRCH;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd_, sig, nullptr, 0));
}

bool pinned::wait_exit(int ms) const noexcept {
  if (fd_ == -1) return true;
  struct pollfd p {fd_, POLLIN, 0};
  int r = 0;
  while ((r = ::poll(&p, 1, ms)) == -1 && errno == EINTR) {
  }
  return r > 0;
}

int signal_family(const examined& e, int sig) {
  const pid_file_status& st = e.status;
  if (st.session == 0 || !made_by_daemonization(static_cast<pid_t>(st.session))) return 0;
  // Who is whose child, once; then the roots (the lock holders, the daemon among them) and
  // everything below them.
  std::vector<std::pair<pid_t, pid_t>> parent_of;  // (pid, ppid)
  for_each_number("/proc", [&](int pid) {
    if (pid > 1) parent_of.emplace_back(pid, static_cast<pid_t>(stat_field(pid, 4)));
  });
  std::vector<std::pair<pid_t, pid_t>> family;  // (pid, its parent; 0 for a root)
  for (const pid_t holder : lock_holders(e.key)) {
    if (session_of(holder) == st.session) family.emplace_back(holder, 0);
  }
  for (std::size_t at = 0; at < family.size(); ++at) {
    for (const auto& [pid, ppid] : parent_of) {
      if (ppid == family[at].first) family.emplace_back(pid, ppid);
    }
  }
  int signalled = 0;
  for (const auto& [pid, parent] : family) {
    if (forbidden_target(pid) != nullptr) continue;
    const pinned p(pid);
    // Pinned first, checked after: the process we signal is the one we checked.
    const bool still = parent == 0 ? holds_lock(pid, e.key) == holding::yes
                                   : stat_field(pid, 4) == parent;
    if (p.valid() && still && p.signal(sig) == 0) ++signalled;
  }
  return signalled;
}

std::string mismatch(pid_t pid, const process_match& m) {
  const std::string proc = "/proc/" + std::to_string(pid);
  if (!m.exec.empty()) {
    struct stat want {};
    if (::stat(m.exec.c_str(), &want) == -1) return "--exec " + m.exec + ": " + std::strerror(errno);
    auto is_it = [&](const std::string& path) {
      struct stat have {};
      return ::stat(path.c_str(), &have) == 0 && have.st_dev == want.st_dev && have.st_ino == want.st_ino;
    };
    // Its executable — or, for a script, its interpreter's first or second argument (relative
    // paths resolved in its working directory).
    bool found = is_it(proc + "/exe");
    const std::string cmdline = read_small(proc + "/cmdline");
    for (std::size_t at = 0, n = 0; !found && n < 2 && at < cmdline.size(); ++n) {
      const std::string arg = cmdline.c_str() + at;
      found = !arg.empty() && is_it(arg.front() == '/' ? arg : proc + "/cwd/" + arg);
      at += arg.size() + 1;
    }
    if (!found) return "its executable is not " + m.exec;
  }
  if (!m.name.empty()) {
    std::string comm = read_small(proc + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    // The kernel keeps 15 characters of a process name, as start-stop-daemon knows.
    if (comm.empty() || comm != m.name.substr(0, 15)) return "its name is '" + comm + "', not '" + m.name + "'";
  }
  if (!m.user.empty()) {
    char* end = nullptr;
    long long uid = std::strtoll(m.user.c_str(), &end, 10);
    if (end == m.user.c_str() || *end != '\0') {
      const passwd* pw = ::getpwnam(m.user.c_str());
      if (pw == nullptr) return "--user " + m.user + ": no such user";
      uid = pw->pw_uid;
    }
    struct stat owner {};
    if (::stat(proc.c_str(), &owner) == -1 || static_cast<long long>(owner.st_uid) != uid) {
      return "it does not run as " + m.user;
    }
  }
  return "";
}

namespace {

// Seconds since `pid` started, from /proc (0 when unknown).
std::chrono::seconds uptime_of(long long pid) {
  const std::string line = read_small("/proc/" + std::to_string(pid) + "/stat");
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  // Field 22, starttime in clock ticks since boot; the scan starts at field 3.
  const char* at = line.c_str() + close + 1;
  for (int field = 3; field < 22 && at != nullptr; ++field) at = std::strchr(at + 1, ' ');
  if (at == nullptr) return {};
  const double started = std::strtod(at, nullptr) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double boot = std::strtod(read_small("/proc/uptime").c_str(), nullptr);
  return std::chrono::seconds(static_cast<long long>(boot - started));
}

// A live process: a zombie (exited, not yet reaped by a parent that may never reap it) is not.
bool exists(long long pid) {
  if (pid <= 0 || pid > 0x3fffffff) return false;
  if (::kill(static_cast<pid_t>(pid), 0) == -1 && errno != EPERM) return false;
  const std::string line = read_small("/proc/" + std::to_string(pid) + "/stat");
  const auto close = line.rfind(')');
  return close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'Z';
}

// The file is locked: who is its daemon?
void find_daemon(examined& e, const std::string& where, const process_match& match) {
  pid_file_status& st = e.status;
  st.state = pid_file_state::running;
  const char* forbidden = forbidden_target(st.pid);
  const holding held = st.pid > 0 && forbidden == nullptr ? holds_lock(static_cast<pid_t>(st.pid), e.key)
                                                          : holding::no;
  if (held == holding::yes && !match.empty()) {
    if (const std::string why = mismatch(static_cast<pid_t>(st.pid), match); !why.empty()) {
      // Not the process the caller means: nothing of this file's is to be signalled.
      st.error = "pid " + std::to_string(st.pid) + " holds the lock of " + where +
                 " but does not match: " + why;
      return;
    }
  }
  st.verified = held == holding::yes;
  if (st.verified) {
    st.lock_holders = {st.pid};  // the others, if any, are looked for only when stopping
  } else {
    for (const pid_t holder : lock_holders(e.key)) st.lock_holders.push_back(holder);
  }
  if (!st.verified) {
    st.error = st.pid == 0          ? where + " is locked but holds no valid pid"
               : forbidden != nullptr ? where + " names pid " + std::to_string(st.pid) + ", and " + forbidden
               : held == holding::unknown
                   ? "cannot verify pid " + std::to_string(st.pid) + " from " + where +
                         ": no permission to read /proc/" + std::to_string(st.pid) +
                         "/fdinfo (run as its owner, or as root)"
                   : where + " is locked, but pid " + std::to_string(st.pid) +
                         " named in it does not hold its lock (it exited, and the number may "
                         "have been reused)";
  }
  // The family's session: the daemon's, or the one every lock holder shares.
  pid_t sid = 0;
  for (const long long holder : st.lock_holders) {
    const pid_t s = session_of(static_cast<pid_t>(holder));
    if (sid == 0) sid = s;
    if (s != sid) sid = -1;  // holders in different sessions: no one family
  }
  if (sid > 0 && made_by_daemonization(sid)) st.session = sid;
  if (st.verified) st.uptime = uptime_of(st.pid);
}

// The file is not locked: stale, or a live pid that only a match can vouch for.
void judge_unlocked(examined& e, const std::string& where, const process_match& match,
                    long long leading) {
  pid_file_status& st = e.status;
  if (!exists(st.pid)) {
    // Content that is not exactly a pid but starts with a live one ("3 extra", "PID\n3"...)
    // may still be someone's: never stale, never deleted.
    if (st.pid == 0 && exists(leading)) {
      st.state = pid_file_state::unverified;
      st.error = where + " is not locked and does not hold exactly one pid, but starts with "
                 "live pid " + std::to_string(leading) + ": not a pid file to act on; check it "
                 "and remove it by hand";
      return;
    }
    st.state = pid_file_state::stale;
    return;
  }
  st.state = pid_file_state::unverified;
  if (const char* forbidden = forbidden_target(st.pid)) {
    st.error = where + " is not locked and names pid " + std::to_string(st.pid) + ", and " + forbidden;
    return;
  }
  if (match.empty()) {
    st.error = where + " is not locked, so pid " + std::to_string(st.pid) +
               " cannot be verified as its daemon (a tool such as start-stop-daemon wrote it, "
               "or its daemon died and the pid was reused): pass --exec, --name or --user to "
               "identify the process";
    return;
  }
  if (const std::string why = mismatch(static_cast<pid_t>(st.pid), match); !why.empty()) {
    st.error = where + " is not locked, and pid " + std::to_string(st.pid) + " is not its daemon: " + why;
    return;
  }
  st.state = pid_file_state::running;
  st.verified = true;
  st.uptime = uptime_of(st.pid);
}

}  // namespace

examined examine(const std::filesystem::path& pid_file, const process_match& match) noexcept {
  examined e;
  pid_file_status& st = e.status;
  try {
    const std::string where = "'" + pid_file.string() + "'";
    const int fd = ::open(pid_file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
      if (errno == ENOENT) return e;  // absent
      st.state = pid_file_state::unreadable;
      st.error = "cannot open pid file " + where + ": " +
                 (errno == ELOOP ? std::string("it is a symbolic link") : std::string(std::strerror(errno)));
      return e;
    }
    struct stat info {};
    if (::fstat(fd, &info) == -1 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      st.state = pid_file_state::unreadable;
      st.error = where + " is not a regular file";
      return e;
    }
    e.key = {major(info.st_dev), minor(info.st_dev), static_cast<unsigned long long>(info.st_ino)};
    char buf[64];
    const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    // A pid file holds one number; anything longer is not one.
    st.pid = n > 0 && n < static_cast<ssize_t>(sizeof buf) ? parse_pid(buf, static_cast<std::size_t>(n)) : 0;
    const long long leading = n > 0 ? std::strtoll(std::string(buf, static_cast<std::size_t>(n)).c_str(), nullptr, 10) : 0;
    // The lock, not the pid, tells whether the daemon runs. The test is exclusive, so that any
    // lock held on the file shows (it is dropped at once, by close).
    const bool unlocked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    const int lock_error = errno;
    ::close(fd);
    if (unlocked) {
      judge_unlocked(e, where, match, leading);
    } else if (lock_error == EWOULDBLOCK) {
      find_daemon(e, where, match);
    } else {
      st.state = pid_file_state::unreadable;
      st.error = "cannot test the lock of " + where + ": " + std::strerror(lock_error);
    }
  } catch (...) {
    st = pid_file_status{};
    st.state = pid_file_state::unreadable;
    st.error = "out of memory";
  }
  return e;
}

pinned pin_daemon(const examined& e, const process_match& match) noexcept {
  const pid_file_status& st = e.status;
  if (!st.verified || forbidden_target(st.pid) != nullptr) return {};
  pinned p(static_cast<pid_t>(st.pid));
  if (!p.valid()) return {};
  try {
    // Checked again now that the process cannot change under us.
    const bool locked = !st.lock_holders.empty();  // verified by the lock, not by a match
    const bool still = (!locked || holds_lock(p.pid(), e.key) == holding::yes) &&
                       (match.empty() || mismatch(p.pid(), match).empty());
    if (still) return p;
  } catch (...) {
  }
  return {};
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
