// daemoniker/detail/sys.hpp — the one seam between daemoniker and the operating system.
//
// Every system call of daemonization — from the invoking process's checks through fork, the
// fork window, the pid file, the privilege drop and the re-exec, to the confirmation — goes
// through this table, so a test can make any step fail with a chosen errno (or hang, or crash)
// by replacing one entry in the process that is about to call daemonize(); fork() copies the
// table into the daemon. The defaults are the plain POSIX/Linux calls. Not yet through it:
// looking at a daemon from outside (identity.cc, pid_file.cc), signal_handler's listener and
// the readiness sinks (notify.cc). Not part of the public API: tests and fault injection only.
#pragma once

#include <cerrno>
#include <cstddef>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

namespace daemoniker::detail {

struct syscalls {
  pid_t (*fork)() noexcept;
  pid_t (*setsid)() noexcept;
  int (*chdir)(const char* path) noexcept;
  int (*open)(const char* path, int flags, mode_t mode) noexcept;
  int (*close)(int fd) noexcept;
  int (*close_range)(unsigned first, unsigned last, int flags) noexcept;
  int (*getdents64)(int fd, void* buffer, std::size_t size) noexcept;
  int (*getrlimit)(int resource, struct rlimit* limit) noexcept;
  int (*dup2)(int from, int to) noexcept;
  int (*fcntl)(int fd, int cmd, int arg) noexcept;
  int (*flock)(int fd, int operation) noexcept;
  int (*linkat)(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                int flags) noexcept;
  int (*unlink)(const char* path) noexcept;
  int (*fchmod)(int fd, mode_t mode) noexcept;
  int (*fstat)(int fd, struct stat* st) noexcept;
  int (*lstat)(const char* path, struct stat* st) noexcept;
  int (*stat)(const char* path, struct stat* st) noexcept;
  ssize_t (*read)(int fd, void* buffer, std::size_t size) noexcept;
  ssize_t (*write)(int fd, const void* buffer, std::size_t size) noexcept;
  ssize_t (*send)(int fd, const void* buffer, std::size_t size, int flags) noexcept;
  int (*socketpair)(int domain, int type, int protocol, int fds[2]) noexcept;
  int (*sigaction)(int sig, const struct sigaction* action, struct sigaction* old) noexcept;
  int (*sigprocmask)(int how, const sigset_t* set, sigset_t* old) noexcept;
  int (*poll)(struct pollfd* fds, nfds_t n, int timeout_ms) noexcept;
  pid_t (*waitpid)(pid_t pid, int* status, int options) noexcept;
  int (*kill)(pid_t pid, int sig) noexcept;
  // The privilege drop and the re-exec, in the daemon before it confirmed: raw system calls
  // (the kernel's, async-signal-safe; glibc's setuid family is not, it synchronises threads).
  // After fork() the daemon has one thread, so a per-thread credential change is the process's.
  int (*chroot)(const char* path) noexcept;
  int (*setrlimit)(int resource, const struct rlimit* limit) noexcept;
  int (*setpriority)(int which, int who, int priority) noexcept;
  int (*setgroups)(std::size_t n, const gid_t* groups) noexcept;
  int (*setresgid)(gid_t real, gid_t effective, gid_t saved) noexcept;
  int (*setresuid)(uid_t real, uid_t effective, uid_t saved) noexcept;
  int (*execve)(const char* path, char* const* argv, char* const* envp) noexcept;
};

/// The table in use. Mutable on purpose: tests replace entries to inject faults.
syscalls& sys() noexcept;
/// The plain POSIX table (to restore, or to call through from a test's wrapper).
const syscalls& real_syscalls() noexcept;

/// Calls `f` again while it fails with EINTR — for calls where POSIX says a retry is right.
/// Never use it for close(): after EINTR the fd state is unspecified and Linux has closed it.
template <class F>
auto retry_eintr(F f) noexcept -> decltype(f()) {
  decltype(f()) r;
  do {
    r = f();
  } while (r == -1 && errno == EINTR);
  return r;
}

}  // namespace daemoniker::detail
