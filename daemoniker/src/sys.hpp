// daemoniker/src/sys.hpp — the one seam between daemoniker and the operating system (POSIX).
//
// Every system call daemoniker makes — daemonization from the invoking process's checks
// through fork, the fork window, the pid file, the privilege drop and the re-exec to the
// confirmation; looking at a daemon from outside (identity, pid files, send); the signal
// listener; readiness notification; the daemoniker command's own — is a call to
// `os::name(...)`, declared here from the one list below. Two definitions exist, and a program
// links exactly one:
//   - src/sys_direct.cc (in //daemoniker): each `os::` function is a one-line wrapper that calls
//     the system directly (no table, no pointer to go through);
//   - src/sys_faults.cc (testonly, //daemoniker:with_fault_injection): each goes through a
//     mutable table (src/sys_faults.hpp), so that a test can make any call fail with a chosen
//     errno, hang or crash; fork() copies the table into the daemon.
// What is deliberately not here:
//   - _exit (nothing to inject: it cannot fail);
//   - and, outside the fork window only: user and group lookups (getpwnam_r & co. go through
//     NSS, a library); the environment (setenv/unsetenv are memory), clock_gettime, sysconf;
//     the invoking process's and the command's messages on stdio;
//   - small reads and queries through the standard library, in the invoking process and the
//     command: /proc/PID/comm (std::ifstream, comm_of() in identity.hpp: supervisor detection,
//     the command's checks, process matching by name), the working directory
//     (std::filesystem::current_path/absolute), file sizes;
//   - signal_handler's listener thread (std::thread).
// Windows has no seam: its backend (src/windows/) calls Win32 directly.
// Private to daemoniker: neither installed nor visible to users.
#pragma once

#if !defined(_WIN32)
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstddef>

// X(return type, name, (parameters), (arguments)) — the single list of the seam.
#define DAEMONIKER_SYSCALLS(X)                                                                   \
  /* processes and sessions */                                                                   \
  X(pid_t, fork, (), ())                                                                         \
  X(pid_t, setsid, (), ())                                                                       \
  X(pid_t, getpid, (), ())                                                                       \
  X(pid_t, getppid, (), ())                                                                      \
  X(uid_t, geteuid, (), ())                                                                      \
  X(pid_t, getpgrp, (), ())                                                                      \
  X(pid_t, getsid, (pid_t pid), (pid))                                                           \
  X(pid_t, waitpid, (pid_t pid, int* status, int options), (pid, status, options))               \
  X(int, kill, (pid_t pid, int sig), (pid, sig))                                                 \
  X(int, pidfd_open, (pid_t pid, unsigned flags), (pid, flags))                                  \
  X(int, pidfd_send_signal, (int pidfd, int sig), (pidfd, sig))                                  \
  X(int, execve, (const char* path, char* const* argv, char* const* envp), (path, argv, envp))  \
  X(int, execvp, (const char* file, char* const* argv), (file, argv))                            \
  X(int, prctl, (int option, unsigned long arg), (option, arg))                                  \
  X(int, nanosleep, (const struct timespec* duration, struct timespec* left), (duration, left))  \
  /* files and descriptors */                                                                    \
  X(int, chdir, (const char* path), (path))                                                      \
  X(int, fchdir, (int fd), (fd))                                                                 \
  X(mode_t, umask, (mode_t mask), (mask))                                                        \
  X(int, open, (const char* path, int flags, mode_t mode), (path, flags, mode))                  \
  X(int, close, (int fd), (fd))                                                                  \
  X(int, close_range, (unsigned first, unsigned last, int flags), (first, last, flags))          \
  X(int, getdents64, (int fd, void* buffer, std::size_t size), (fd, buffer, size))               \
  X(DIR*, opendir, (const char* path), (path))                                                   \
  X(dirent*, readdir, (DIR* dir), (dir))                                                         \
  X(int, closedir, (DIR* dir), (dir))                                                            \
  X(int, dup2, (int from, int to), (from, to))                                                   \
  X(int, fcntl, (int fd, int cmd, int arg), (fd, cmd, arg))                                      \
  X(int, flock, (int fd, int operation), (fd, operation))                                        \
  X(int, linkat, (int olddir, const char* oldpath, int newdir, const char* newpath, int flags),  \
    (olddir, oldpath, newdir, newpath, flags))                                                   \
  X(int, unlink, (const char* path), (path))                                                     \
  X(int, unlinkat, (int dir, const char* path, int flags), (dir, path, flags))                   \
  X(char*, mkdtemp, (char* path_template), (path_template))                                      \
  X(int, rmdir, (const char* path), (path))                                                      \
  X(int, chmod, (const char* path, mode_t mode), (path, mode))                                   \
  X(int, fchmod, (int fd, mode_t mode), (fd, mode))                                              \
  X(int, fchown, (int fd, uid_t owner, gid_t group), (fd, owner, group))                         \
  X(int, fstat, (int fd, struct stat* st), (fd, st))                                             \
  X(int, fstatat, (int dir, const char* path, struct stat* st, int flags), (dir, path, st, flags)) \
  X(int, lstat, (const char* path, struct stat* st), (path, st))                                 \
  X(int, stat, (const char* path, struct stat* st), (path, st))                                  \
  X(int, access, (const char* path, int mode), (path, mode))                                     \
  X(ssize_t, readlink, (const char* path, char* buffer, std::size_t size), (path, buffer, size)) \
  X(ssize_t, read, (int fd, void* buffer, std::size_t size), (fd, buffer, size))                 \
  X(ssize_t, pread, (int fd, void* buffer, std::size_t size, off_t at), (fd, buffer, size, at))  \
  X(ssize_t, write, (int fd, const void* buffer, std::size_t size), (fd, buffer, size))          \
  X(int, pipe2, (int fds[2], int flags), (fds, flags))                                           \
  X(int, poll, (struct pollfd* fds, nfds_t n, int timeout_ms), (fds, n, timeout_ms))             \
  /* sockets (the confirmation channel, readiness notification) */                               \
  X(int, socket, (int domain, int type, int protocol), (domain, type, protocol))                 \
  X(int, socketpair, (int domain, int type, int protocol, int fds[2]),                           \
    (domain, type, protocol, fds))                                                               \
  X(int, bind, (int fd, const sockaddr* address, socklen_t n), (fd, address, n))                \
  X(int, setsockopt, (int fd, int level, int name, const void* value, socklen_t n),              \
    (fd, level, name, value, n))                                                                 \
  X(int, getsockopt, (int fd, int level, int name, void* value, socklen_t* n),                   \
    (fd, level, name, value, n))                                                                 \
  X(ssize_t, recvmsg, (int fd, msghdr* message, int flags), (fd, message, flags))                \
  X(ssize_t, send, (int fd, const void* buffer, std::size_t size, int flags),                    \
    (fd, buffer, size, flags))                                                                   \
  X(ssize_t, sendto,                                                                             \
    (int fd, const void* buffer, std::size_t size, int flags, const sockaddr* to, socklen_t n),  \
    (fd, buffer, size, flags, to, n))                                                            \
  /* signals */                                                                                  \
  X(int, sigaction, (int sig, const struct sigaction* action, struct sigaction* old),            \
    (sig, action, old))                                                                          \
  X(int, sigprocmask, (int how, const sigset_t* set, sigset_t* old), (how, set, old))            \
  X(int, signalfd, (int fd, const sigset_t* set, int flags), (fd, set, flags))                   \
  /* the privilege drop: raw system calls, async-signal-safe (glibc's setuid family is not,  */ \
  /* it synchronises threads; after fork() the daemon has one thread)                         */ \
  X(int, chroot, (const char* path), (path))                                                     \
  X(int, getrlimit, (int resource, struct rlimit* limit), (resource, limit))                     \
  X(int, setrlimit, (int resource, const struct rlimit* limit), (resource, limit))               \
  X(int, setpriority, (int which, int who, int priority), (which, who, priority))                \
  X(int, setgroups, (std::size_t n, const gid_t* groups), (n, groups))                           \
  X(int, setresgid, (gid_t real, gid_t effective, gid_t saved), (real, effective, saved))        \
  X(int, setresuid, (uid_t real, uid_t effective, uid_t saved), (real, effective, saved))

namespace daemoniker::detail {

/// The system calls, by their POSIX/Linux names. All noexcept; errors in errno, as POSIX's.
namespace os {
#define DAEMONIKER_DECLARE_SYSCALL(R, name, params, args) R name params noexcept;
DAEMONIKER_SYSCALLS(DAEMONIKER_DECLARE_SYSCALL)
#undef DAEMONIKER_DECLARE_SYSCALL
}  // namespace os

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

#endif  // !defined(_WIN32)
