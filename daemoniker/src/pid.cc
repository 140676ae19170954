// locked_pid_file. acquire() and abandon() run in the daemon before it confirmed startup:
// async-signal-safe system calls only, messages built in fixed buffers.
//
// How the file is taken, race-free, without ever being visible half-written:
//   1. the content "<pid>\n" goes into a fresh inode that is already flock()ed — an unnamed
//      O_TMPFILE in the pid file's directory, or a hidden ".<name>.<pid>.tmp" where O_TMPFILE
//      or /proc is unavailable;
//   2. link(2) publishes it under the pid file's name, and fails with EEXIST instead of
//      replacing whatever is there;
//   3. if a file is there, we try its lock: held → "already running (pid N)"; free → its daemon
//      is dead (the kernel dropped the lock), so it is stale: after checking that the name still
//      refers to the inode we locked, we unlink it (still holding its lock, so a racing starter
//      that opened it sees a vanished inode and retries) and go back to 2.
// Removal, here and at exit, unlinks before the lock is released, for the same reason.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "daemoniker/src/descriptors.hpp"
#include "daemoniker/src/messages.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/pid_file.hpp"
#include "daemoniker/policy/pid.hpp"
#include "signal_safe_text.hpp"

namespace daemoniker {
namespace {

using detail::fixed_text;
using detail::retry_eintr;
namespace os = detail::os;

constexpr mode_t kPidMode = 0644;
constexpr int kAttempts = 64;
constexpr int kOpenExisting = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

step_status pid_failure(int error, const char* path, const char* what) noexcept {
  step_status s;
  s.failed = step::pid_file;
  s.error = error;
  fixed_text(s.subject, sizeof s.subject).add("'").add_elided(path, detail::kPathInMessages).add("' ").add(what);
  return s;
}

bool same_file(const struct stat& a, const struct stat& b) noexcept {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// True when `path` names the inode open as `fd`.
bool names(const char* path, int fd) noexcept {
  struct stat by_fd {}, by_name {};
  return os::fstat(fd, &by_fd) == 0 && os::lstat(path, &by_name) == 0 &&
         same_file(by_fd, by_name);
}

bool write_all(int fd, const char* data, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = retry_eintr([&] { return os::write(fd, data, n); });
    if (w <= 0) {
      if (w == 0) errno = EIO;
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

long long read_pid(int fd) noexcept {
  char buf[32];
  const ssize_t n = retry_eintr([&] { return os::read(fd, buf, sizeof buf); });
  return n > 0 ? detail::parse_pid(buf, static_cast<std::size_t>(n)) : 0;
}

// The candidate inode: locked and written before anyone can see it.
struct candidate {
  int fd = -1;
  bool named = false;            // a hidden temporary name exists and must be unlinked
  char temp[PATH_MAX + 64] = {};
  char proc[48] = {};            // /proc/self/fd/N for an O_TMPFILE inode
};

void drop(candidate& c) noexcept {
  if (c.named) os::unlink(c.temp);
  if (c.fd != -1) os::close(c.fd);
  c.fd = -1;
  c.named = false;
}

step_status fill(candidate& c, const char* path) noexcept {
  // Never hold the lock on 0, 1 or 2: a caller that closed its stdio (with inherit_stdio)
  // would otherwise have the daemon's printf() write into its pid file.
  if (c.fd < 3) {
    c.fd = detail::move_above(c.fd);
    if (c.fd == -1) {
      const int e = errno;
      drop(c);
      return pid_failure(e, path, "cannot be created");
    }
    if (!c.named && c.proc[0] != '\0') {
      fixed_text(c.proc, sizeof c.proc).add("/proc/self/fd/").add(static_cast<long long>(c.fd));
    }
  }
  if (os::fchmod(c.fd, kPidMode) == -1) {
    const int e = errno;
    drop(c);
    return pid_failure(e, path, "cannot be given mode 0644");
  }
  if (retry_eintr([&] { return os::flock(c.fd, LOCK_EX | LOCK_NB); }) == -1) {
    const int e = errno;
    drop(c);
    return pid_failure(e, path, "cannot be locked");
  }
  char line[32];
  fixed_text text(line, sizeof line);
  text.add(static_cast<long long>(os::getpid())).add("\n");
  if (!write_all(c.fd, text.c_str(), text.size())) {
    const int e = errno;
    drop(c);
    return pid_failure(e, path, "cannot be written");
  }
  return {};
}

// Creates the candidate in the directory of `path`. With `unnamed`, tries O_TMPFILE first.
step_status make_candidate(candidate& c, const char* path, bool unnamed) noexcept {
  const char* slash = std::strrchr(path, '/');
  char dir[PATH_MAX];
  const std::size_t dir_len = slash == path ? 1 : static_cast<std::size_t>(slash - path);
  if (slash == nullptr || dir_len >= sizeof dir) return pid_failure(ENAMETOOLONG, path, "is too long");
  std::memcpy(dir, path, dir_len);
  dir[dir_len] = '\0';

  if (unnamed) {
    c.fd = retry_eintr([&] { return os::open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, kPidMode); });
    if (c.fd != -1) {
      fixed_text(c.proc, sizeof c.proc).add("/proc/self/fd/").add(static_cast<long long>(c.fd));
      return fill(c, path);
    }
    // Filesystems without O_TMPFILE say EOPNOTSUPP (or EISDIR/EINVAL on old kernels).
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
      return pid_failure(errno, path, "cannot be created in its directory");
    }
  }
  fixed_text t(c.temp, sizeof c.temp);
  t.add(dir).add(dir_len == 1 ? "." : "/.").add(slash + 1).add(".").add(static_cast<long long>(os::getpid())).add(".tmp");
  if (t.truncated()) return pid_failure(ENAMETOOLONG, path, "is too long");
  constexpr int kFlags = O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC;
  c.fd = retry_eintr([&] { return os::open(c.temp, kFlags, kPidMode); });
  if (c.fd == -1 && errno == EEXIST) {  // left by a crashed daemon that had our pid
    os::unlink(c.temp);
    c.fd = retry_eintr([&] { return os::open(c.temp, kFlags, kPidMode); });
  }
  if (c.fd == -1) return pid_failure(errno, path, "cannot be created in its directory");
  c.named = true;
  return fill(c, path);
}

// True when the file open as `fd` carries shared locks only — anyone who can read it may take
// one, and a daemon's lock is exclusive: such a file has no daemon, and is stale. Our shared
// lock, taken here, then protects the unlink as the exclusive one does.
bool only_shared_locks(int fd) noexcept {
  return retry_eintr([&] { return os::flock(fd, LOCK_SH | LOCK_NB); }) == 0;
}

// What a failed link() found at `path`: a live daemon (its pid in `holder`), a stale file that
// was removed (try again), something that vanished (try again), a stale file that another
// starter is removing right now (wait a moment, try again), or an error.
enum class found { live, removed_stale, vanished, busy, error };

found inspect(const char* path, long long& holder, step_status& error) noexcept {
  const int old = retry_eintr([&] { return os::open(path, kOpenExisting, 0); });
  if (old == -1) {
    if (errno == ENOENT) return found::vanished;
    error = errno == ELOOP
                ? pid_failure(0, path, detail::kPidFileIsLink)
                : pid_failure(errno, path, "exists and cannot be opened");
    return found::error;
  }
  struct stat st {};
  if (os::fstat(old, &st) == -1 || !S_ISREG(st.st_mode)) {
    const int e = errno;
    os::close(old);
    error = pid_failure(S_ISREG(st.st_mode) ? e : 0, path, detail::kPidFileNotRegular);
    return found::error;
  }
  if (retry_eintr([&] { return os::flock(old, LOCK_EX | LOCK_NB); }) == -1 &&
      !(errno == EWOULDBLOCK && only_shared_locks(old))) {
    const int e = errno;
    holder = e == EWOULDBLOCK ? read_pid(old) : 0;
    // Locked, but naming a pid that no longer exists: another starter (or an invoking process
    // cleaning up after a failed start) holds it only while removing it.
    const bool being_removed =
        e == EWOULDBLOCK && holder > 0 && os::kill(static_cast<pid_t>(holder), 0) == -1 &&
        errno == ESRCH;
    os::close(old);
    if (being_removed) return found::busy;
    if (e == EWOULDBLOCK) return found::live;
    error = pid_failure(e, path, "cannot be locked");
    return found::error;
  }
  // We hold the lock of a file nobody else holds: it is stale, if it is still the one named.
  found result = found::vanished;
  if (names(path, old)) {
    if (os::unlink(path) == -1 && errno != ENOENT) {  // ENOENT: another starter removed it
      error = pid_failure(errno, path,
                          "is stale (its daemon is gone) but cannot be removed: remove it by "
                          "hand, or fix the directory's permissions");
      result = found::error;
    } else {
      result = found::removed_stale;
    }
  }
  os::close(old);  // unlink before unlock
  return result;
}

// The pid file of this process, removed at normal exit. Static storage: keep_until_exit() copies here.
struct held_file {
  int fd = -1;
  int dir = -1;  // the directory, when it could be opened: the path may not resolve any more
  pid_t owner = 0;
  char path[PATH_MAX] = {};
};
held_file held;

// The last component of `path`.
const char* base_name(const char* path) noexcept {
  const char* slash = std::strrchr(path, '/');
  return slash == nullptr ? path : slash + 1;
}

// The pid file's directory, for unlinkat() after a chroot; -1 when it cannot be opened.
int open_directory(const char* path) noexcept {
  char dir[PATH_MAX];
  const char* slash = std::strrchr(path, '/');
  const std::size_t n = slash == nullptr ? 0 : slash == path ? 1 : static_cast<std::size_t>(slash - path);
  if (n == 0 || n >= sizeof dir) return -1;
  std::memcpy(dir, path, n);
  dir[n] = '\0';
  const int fd = retry_eintr([&] { return os::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0); });
  return fd < 3 && fd != -1 ? (os::close(fd), -1) : fd;
}

// Unlinks `path` if it still names the inode open as `fd` — through `dir` when there is one.
void unlink_if_ours(int dir, const char* path, int fd) noexcept {
  struct stat by_fd {}, by_name {};
  if (os::fstat(fd, &by_fd) == -1) return;
  if (dir != -1) {
    if (os::fstatat(dir, base_name(path), &by_name, AT_SYMLINK_NOFOLLOW) == 0 && same_file(by_fd, by_name)) {
      os::unlinkat(dir, base_name(path), 0);
    }
    return;
  }
  if (names(path, fd)) os::unlink(path);
}

void remove_at_exit() noexcept {
  // Only the daemon itself: a forked child of the daemon that calls exit() must not remove it.
  if (held.fd == -1 || os::getpid() != held.owner) return;
  unlink_if_ours(held.dir, held.path, held.fd);
  os::close(held.fd);  // unlink before unlock
  if (held.dir != -1) os::close(held.dir);
  held.fd = held.dir = -1;
}

}  // namespace

int held_pid_file_descriptor() noexcept { return held.owner == os::getpid() ? held.fd : -1; }

void release_pid_file() noexcept { remove_at_exit(); }

step_status locked_pid_file::validate(const plan& p) const {
  const std::string path = p.pid_file.native();
  if (auto s = detail::check_pid_path(p.pid_file, "/run/myapp.pid"); !s.ok()) return s;
  if (path.size() >= PATH_MAX - 64) {
    return step_status::failure(step::pid_file, ENAMETOOLONG,
                                ("'" + path.substr(0, 64) + "…' is longer than PATH_MAX allows")
                                    .c_str());
  }
  const std::string parent = p.pid_file.parent_path().native();
  struct stat st {};
  const bool found = os::stat(parent.c_str(), &st) == 0;
  if (!found || !S_ISDIR(st.st_mode)) {
    const int e = found ? ENOTDIR : errno;  // a missing directory is ENOENT, not ENOTDIR
    return detail::unusable_pid_directory(parent, e);
  }
  return {};
}

step_status locked_pid_file::acquire(const plan& p) noexcept {
  const char* path = p.pid_file.c_str();
  candidate c;
  bool unnamed = true;
  long long holder = 0;
  bool holder_gone = false;  // the last look found a lock held by someone else than `holder`
  if (auto s = make_candidate(c, path, unnamed); !s.ok()) return s;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const int linked =
        c.named ? os::linkat(AT_FDCWD, c.temp, AT_FDCWD, path, 0)
                : os::linkat(AT_FDCWD, c.proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
    if (linked == 0) {
      if (c.named) os::unlink(c.temp);
      fd = c.fd;
      dir = p.identity.chroot.empty() ? -1 : open_directory(path);  // a path outside a chroot
      // The daemon drops privileges next: let the pid file be its user's.
      if (p.identity.own_pid_file && p.identity.change_user) {
        (void)os::fchown(fd, static_cast<uid_t>(p.identity.uid), static_cast<gid_t>(p.identity.gid));
      }
      return {};
    }
    const int e = errno;
    if (e == EEXIST && names(path, c.fd)) {  // a retransmitted link() (NFS) that did succeed
      if (c.named) os::unlink(c.temp);
      fd = c.fd;
      dir = p.identity.chroot.empty() ? -1 : open_directory(path);  // a path outside a chroot
      return {};
    }
    if (e == EEXIST) {
      step_status error;
      switch (inspect(path, holder, error)) {
        case found::live:
          drop(c);
          if (holder <= 0) {
            return pid_failure(0, path,
                               "is locked, but not by the pid it names (it names none): another "
                               "process holds its lock; stop it first, or use another pid file");
          }
          return step_status::failure(step::already_running, 0, path, holder);
        case found::error:
          drop(c);
          return error;
        case found::busy: {
          holder_gone = true;
          const timespec pause{0, 2'000'000};  // nanosleep is async-signal-safe
          os::nanosleep(&pause, nullptr);
          continue;
        }
        case found::removed_stale:
        case found::vanished:
          holder_gone = false;
          continue;
      }
    }
    if (!c.named && e == ENOENT) {  // /proc is not mounted: fall back to a temporary name
      drop(c);
      unnamed = false;
      if (auto s = make_candidate(c, path, unnamed); !s.ok()) return s;
      continue;
    }
    drop(c);
    if (e == EPERM || e == EOPNOTSUPP) {
      return pid_failure(e, path,
                         "cannot be published: its filesystem does not support hard links; "
                         "put the pid file on a local filesystem such as /run");
    }
    return pid_failure(e, path, "cannot be created");
  }
  drop(c);
  if (holder_gone) {
    return pid_failure(0, path,
                       "is locked, but not by the pid it names (that process is gone): another "
                       "process holds its lock — a child of the old daemon that inherited it, "
                       "say; `daemoniker status --pidfile` names it, `daemoniker stop` ends it");
  }
  if (holder > 0) return step_status::failure(step::already_running, 0, path, holder);
  return pid_failure(EAGAIN, path, "kept changing while it was being taken; retry");
}

void locked_pid_file::abandon(const plan& p) noexcept {
  if (fd == -1) return;
  unlink_if_ours(dir, p.pid_file.c_str(), fd);
  os::close(fd);  // unlink before unlock
  if (dir != -1) os::close(dir);
  fd = dir = -1;
}

void locked_pid_file::keep_until_exit(const plan& p) noexcept {
  if (fd == -1) return;
  static bool registered = false;
  // A second daemonization in this very process replaces the first; a record inherited from a
  // parent process names an fd number the sweep closed and that may now be ours: keep it.
  if (held.fd != -1 && held.owner == os::getpid()) {
    os::close(held.fd);
    if (held.dir != -1) os::close(held.dir);
  }
  held.fd = fd;
  held.dir = dir;
  held.owner = os::getpid();
  fixed_text(held.path, sizeof held.path).add(p.pid_file.c_str());
  fd = dir = -1;
  if (!registered) registered = std::atexit(remove_at_exit) == 0;
}

void locked_pid_file::reclaim(const plan& p, long long pid) noexcept {
  const char* path = p.pid_file.c_str();
  if (*path == '\0' || pid <= 0) return;
  const int f = retry_eintr([&] { return os::open(path, kOpenExisting, 0); });
  if (f == -1) return;
  struct stat st {};
  if (os::fstat(f, &st) == 0 && S_ISREG(st.st_mode) &&
      retry_eintr([&] { return os::flock(f, LOCK_EX | LOCK_NB); }) == 0 &&
      read_pid(f) == pid && names(path, f)) {
    os::unlink(path);
  }
  os::close(f);
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
