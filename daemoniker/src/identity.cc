// Process identity from /proc and pidfds (see identity.hpp for the rules).
#if !defined(_WIN32)  // POSIX (Linux); Windows has no pid-file lock to verify against
#include "daemoniker/src/identity.hpp"

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
#include <cctype>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "signal_safe_text.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {
namespace {

// A whole small /proc file (fdinfo, stat, comm); empty when it cannot be read.
std::string read_small(const std::string& path) {
  const int fd = os::open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd == -1) return {};
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = os::read(fd, buf, sizeof buf);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  os::close(fd);
  return out;
}

// The numeric entries of a /proc directory.
template <class F>
void for_each_number(const std::string& dir, F&& f) {
  DIR* d = os::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = os::readdir(d)) {
    char* end = nullptr;
    const long n = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && n >= 0) f(static_cast<int>(n));
  }
  os::closedir(d);
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
  return os::pidfd_open(pid, 0);
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
    DIR* d = os::opendir(base.c_str());
    if (d == nullptr) return errno == EACCES || errno == EPERM ? holding::unknown : holding::no;
    os::closedir(d);
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
  const pid_t sid = os::getsid(pid);
  return sid > 0 ? sid : 0;
}

bool made_by_daemonization(pid_t sid) noexcept {
  if (sid <= 1 || sid == os::getsid(0)) return false;
  // The leader's pid number stays taken while its session has members, so "no process has
  // it" means the leader exited — the double fork's intermediate process did.
  return os::kill(sid, 0) == -1 && errno == ESRCH;
}

const char* forbidden_target(long long pid) noexcept {
  if (pid <= 0) return "it is not a process id";
  if (pid == 1) return "it is init (pid 1)";
  if (pid > 0x3fffffff) return "it is out of the range of process ids";
  if (pid == os::getpid()) return "it is this very process";
  if (pid == os::getpgrp()) return "it is this process's own process group";
  if (pid == os::getsid(0)) return "it is this process's own session";
  for (pid_t up = os::getppid(); up > 1; up = static_cast<pid_t>(stat_field(up, 4))) {
    if (pid == up) return "it is an ancestor of this process";
  }
  return nullptr;
}

pinned::pinned(pid_t pid) noexcept : pid_(pid), fd_(pid > 0 ? pidfd_open(pid) : -1) {}

pinned::pinned(pinned&& other) noexcept : pid_(other.pid_), fd_(other.fd_) { other.fd_ = -1; }

pinned& pinned::operator=(pinned&& other) noexcept {
  if (this != &other) {
    if (fd_ != -1) os::close(fd_);
    pid_ = other.pid_;
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

pinned::~pinned() {
  if (fd_ != -1) os::close(fd_);
}

bool pinned::alive() const noexcept { return fd_ != -1 && !wait_exit(0); }

int pinned::signal(int sig) const noexcept {
  if (fd_ == -1) {
    errno = ESRCH;
    return -1;
  }
  return os::pidfd_send_signal(fd_, sig);
}

bool pinned::wait_exit(int ms) const noexcept {
  if (fd_ == -1) return true;
  struct pollfd p {fd_, POLLIN, 0};
  int r = 0;
  while ((r = os::poll(&p, 1, ms)) == -1 && errno == EINTR) {
  }
  return r > 0;
}

void wait_any_exit(const std::vector<pinned>& processes, int ms) noexcept {
  std::vector<struct pollfd> fds;
  try {
    for (const auto& p : processes) {
      if (p.alive()) fds.push_back({p.fd(), POLLIN, 0});
    }
  } catch (...) {  // no memory: the caller looks again
    return;
  }
  if (fds.empty()) return;
  while (os::poll(fds.data(), fds.size(), ms) == -1 && errno == EINTR) {
  }
}

std::vector<pinned> pin_family(const examined& e) {
  const pid_file_status& st = e.status;
  if (st.session == 0 || !made_by_daemonization(static_cast<pid_t>(st.session))) return {};
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
  // Every member pinned and checked before any is signalled: once signals fly, parents exit
  // and children are re-parented, and a check made then would lose them.
  std::vector<pinned> pinned_family;
  for (const auto& [pid, parent] : family) {
    // The caller inside the family (a login session of an sshd, a helper of the daemon):
    // stopping the family would stop the caller's own ancestors, or leave them alone and kill
    // their other children — both wrong. Nothing, then.
    if (forbidden_target(pid) != nullptr) return {};
    pinned p(pid);
    const bool still = parent == 0 ? holds_lock(pid, e.key) == holding::yes
                                   : stat_field(pid, 4) == parent;
    if (p.valid() && still) pinned_family.push_back(std::move(p));
  }
  return pinned_family;
}

namespace {

bool runs_executable(const std::string& proc, const struct stat& want) {
  struct stat have {};
  return os::stat((proc + "/exe").c_str(), &have) == 0 && have.st_dev == want.st_dev &&
         have.st_ino == want.st_ino;
}

// A script started directly runs its #! interpreter, and the kernel names the process after the
// script (comm), as start-stop-daemon's --exec INTERPRETER --name SCRIPT would match it. argv is
// not looked at: any process may claim any argv.
bool runs_script(pid_t pid, const std::string& script) {
  std::string line = read_small(script).substr(0, 256);
  if (line.rfind("#!", 0) != 0) return false;
  line = line.substr(2, line.find('\n') - 2);
  std::vector<std::string> words;
  for (std::size_t at = 0; at < line.size();) {
    const std::size_t start = line.find_first_not_of(" \t", at);
    if (start == std::string::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t", start), line.size());
    words.push_back(line.substr(start, end - start));
    at = end;
  }
  if (words.empty()) return false;
  std::string interpreter = words[0];
  if (interpreter.size() >= 4 && interpreter.substr(interpreter.size() - 4) == "/env" && words.size() > 1) {
    interpreter = words[1];  // #!/usr/bin/env sh: the interpreter env finds in PATH
    if (interpreter.find('/') == std::string::npos) {
      std::string found = find_in_path(interpreter);
      if (!found.empty()) interpreter = std::move(found);
    }
  }
  struct stat want {};
  if (os::stat(interpreter.c_str(), &want) == -1) return false;
  if (!runs_executable("/proc/" + std::to_string(pid), want)) return false;
  const std::string comm = comm_of(pid);
  const std::string name = std::filesystem::path(script).filename().string();
  return !comm.empty() && comm == name.substr(0, 15);
}

}  // namespace

std::string not_runnable(const std::filesystem::path& path) {
  struct stat st {};
  if (os::stat(path.c_str(), &st) == -1) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (os::access(path.c_str(), X_OK) == -1) return std::strerror(errno);
  return "";
}

std::string find_in_path(const std::string& program, const std::filesystem::path& root) {
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
    const std::string dir = dirs.substr(at, colon - at);
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    const auto real = candidate.is_absolute() ? root / candidate.relative_path() : candidate;
    if (not_runnable(real).empty()) return real.string();
    at = colon + 1;
  }
  return "";
}

std::string mismatch(pid_t pid, const process_match& m) {
  const std::string proc = "/proc/" + std::to_string(pid);
  if (!m.exec.empty()) {
    struct stat want {};
    if (os::stat(m.exec.c_str(), &want) == -1) return "--exec " + m.exec + ": " + std::strerror(errno);
    if (!runs_executable(proc, want) && !runs_script(pid, m.exec)) {
      return "its executable is not " + m.exec;
    }
  }
  if (!m.name.empty()) {
    const std::string comm = comm_of(pid);
    // The kernel keeps 15 characters of a process name, as start-stop-daemon knows.
    if (comm.empty() || comm != m.name.substr(0, 15)) return "its name is '" + comm + "', not '" + m.name + "'";
  }
  if (!m.user.empty()) {
    char* end = nullptr;
    long long uid = std::strtoll(m.user.c_str(), &end, 10);
    if (end == m.user.c_str() || *end != '\0') {
      std::vector<char> buf(16384);
      passwd entry{};
      passwd* pw = nullptr;
      ::getpwnam_r(m.user.c_str(), &entry, buf.data(), buf.size(), &pw);  // reentrant: send() may run in any thread
      if (pw == nullptr) return "--user " + m.user + ": no such user";
      uid = pw->pw_uid;
    }
    struct stat owner {};
    if (os::stat(proc.c_str(), &owner) == -1 || static_cast<long long>(owner.st_uid) != uid) {
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
  if (os::kill(static_cast<pid_t>(pid), 0) == -1 && errno != EPERM) return false;
  const std::string line = read_small("/proc/" + std::to_string(pid) + "/stat");
  const auto close = line.rfind(')');
  return close == std::string::npos || line.size() < close + 3 || line[close + 2] != 'Z';
}

// The file is locked: who is its daemon? (Verified is about identity; whether this process
// may signal it is forbidden_target()'s business, when signalling.)
void find_daemon(examined& e, const std::string& where, const process_match& match) {
  pid_file_status& st = e.status;
  st.state = pid_file_state::running;
  const bool named = st.pid > 1 && st.pid <= 0x3fffffff;
  const holding held = named ? holds_lock(static_cast<pid_t>(st.pid), e.key) : holding::no;
  if (held == holding::yes && !match.empty()) {
    if (const std::string why = mismatch(static_cast<pid_t>(st.pid), match); !why.empty()) {
      // Not the process the caller means: nothing of this file's is to be signalled.
      st.error = "pid " + std::to_string(st.pid) + " holds the lock of " + where +
                 " but does not match: " + why;
      st.lock_holders = {st.pid};
      return;
    }
  }
  st.verified = held == holding::yes;
  if (st.verified) {
    st.lock_holders = {st.pid};  // the others, if any, are looked for only when stopping
  } else {
    for (const pid_t holder : lock_holders(e.key)) st.lock_holders.push_back(holder);
    st.error = st.pid == 0 ? where + " is locked but does not start with a pid"
               : st.pid == 1 ? where + " names pid 1 (init), which never holds it"
               : held == holding::unknown
                   ? "cannot verify pid " + std::to_string(st.pid) + " from " + where +
                         ": no permission to read /proc/" + std::to_string(st.pid) +
                         "/fdinfo (run as its owner, or as root)"
               : exists(st.pid) ? where + " is locked, but pid " + std::to_string(st.pid) +
                                      " named in it does not hold its lock (another tool "
                                      "overwrote the file, or its daemon runs in another pid "
                                      "namespace, where that number means another process)"
                                : where + " is locked, but pid " + std::to_string(st.pid) +
                                      " has exited";
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
void judge_unlocked(examined& e, const std::string& where, const process_match& match) {
  pid_file_status& st = e.status;
  if (!exists(st.pid)) {
    st.state = pid_file_state::stale;
    return;
  }
  st.state = pid_file_state::unverified;
  if (const char* forbidden = forbidden_target(st.pid)) {
    st.error = where + " is not locked and names pid " + std::to_string(st.pid) + ", and " + forbidden;
    return;
  }
  if (!match.empty() && match.exec.empty() && match.name.empty()) {
    st.error = where + " is not locked, and --user alone does not identify pid " +
               std::to_string(st.pid) + " (most processes run as root or as the same user): "
               "add --exec or --name";
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
    const int fd =
        os::open(pid_file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
    if (fd == -1) {
      if (errno == ENOENT) return e;  // absent
      st.state = pid_file_state::unreadable;
      st.error = "cannot open pid file " + where + ": " +
                 (errno == ELOOP ? std::string("it is a symbolic link") : std::string(std::strerror(errno)));
      return e;
    }
    struct stat info {};
    if (os::fstat(fd, &info) == -1 || !S_ISREG(info.st_mode)) {
      os::close(fd);
      st.state = pid_file_state::unreadable;
      st.error = where + " is not a regular file";
      return e;
    }
    e.key = {major(info.st_dev), minor(info.st_dev), static_cast<unsigned long long>(info.st_ino)};
    char buf[64];
    const ssize_t n = os::pread(fd, buf, sizeof buf - 1, 0);
    // The number the file starts with, as start-stop-daemon reads it ("1234\n", "1234 extra").
    st.pid = leading_pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    // The lock, not the pid, tells whether the daemon runs; a daemon's lock is exclusive. A
    // file that only shared locks hold (anyone who can read it may take one) has no daemon.
    // Both tests are dropped at once, by close.
    bool unlocked = os::flock(fd, LOCK_EX | LOCK_NB) == 0;
    int lock_error = errno;
    if (!unlocked && lock_error == EWOULDBLOCK && os::flock(fd, LOCK_SH | LOCK_NB) == 0) unlocked = true;
    os::close(fd);
    if (unlocked) {
      judge_unlocked(e, where, match);
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
