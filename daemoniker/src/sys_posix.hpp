// daemoniker/src/sys_posix.hpp — the plain POSIX/Linux implementation of each call of the seam
// (sys.hpp), for its two definitions: sys_direct.cc calls these, sys_faults.cc starts its
// table with them. Thin noexcept forwards, except where noted. Private; include nowhere else.
#pragma once

#if !defined(_WIN32)
#include <pthread.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail::posix {

// These are `inline` so that each definition of the seam compiles them into direct calls.
inline pid_t fork() noexcept { return ::fork(); }
inline pid_t setsid() noexcept { return ::setsid(); }
inline int chdir(const char* path) noexcept { return ::chdir(path); }
inline int fchdir(int fd) noexcept { return ::fchdir(fd); }
inline int open(const char* path, int flags, mode_t mode) noexcept {
  return ::open(path, flags, mode);
}
inline int close(int fd) noexcept { return ::close(fd); }
inline int close_range(unsigned first, unsigned last, int flags) noexcept {
#ifdef SYS_close_range
  return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
#else
  (void)first, (void)last, (void)flags;
  errno = ENOSYS;
  return -1;
#endif
}
inline int getdents64(int fd, void* buffer, std::size_t size) noexcept {
  return static_cast<int>(::syscall(SYS_getdents64, fd, buffer, size));
}
inline int getrlimit(int resource, struct rlimit* limit) noexcept {
  return ::getrlimit(static_cast<__rlimit_resource_t>(resource), limit);
}
inline int dup2(int from, int to) noexcept { return ::dup2(from, to); }
inline int fcntl(int fd, int cmd, int arg) noexcept { return ::fcntl(fd, cmd, arg); }
inline int flock(int fd, int operation) noexcept { return ::flock(fd, operation); }
inline int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                int flags) noexcept {
  return ::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}
inline int unlink(const char* path) noexcept { return ::unlink(path); }
inline int fchmod(int fd, mode_t mode) noexcept { return ::fchmod(fd, mode); }
inline int fstat(int fd, struct stat* st) noexcept { return ::fstat(fd, st); }
inline int lstat(const char* path, struct stat* st) noexcept { return ::lstat(path, st); }
inline int stat(const char* path, struct stat* st) noexcept { return ::stat(path, st); }
inline ssize_t read(int fd, void* buffer, std::size_t size) noexcept {
  return ::read(fd, buffer, size);
}
inline ssize_t write(int fd, const void* buffer, std::size_t size) noexcept {
  return ::write(fd, buffer, size);
}
inline ssize_t send(int fd, const void* buffer, std::size_t size, int flags) noexcept {
  return ::send(fd, buffer, size, flags);
}
inline int getsockopt(int fd, int level, int name, void* value, socklen_t* n) noexcept {
  return ::getsockopt(fd, level, name, value, n);
}
inline uid_t geteuid() noexcept { return ::geteuid(); }
inline int socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  return ::socketpair(domain, type, protocol, fds);
}
// The kernel's struct sigaction, for the raw system call below.
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

inline int sigaction(int sig, const struct sigaction* action, struct sigaction* old) noexcept {
  if (::sigaction(sig, action, old) == 0) return 0;
  // glibc refuses (EINVAL) the real-time signals it reserves for itself (32 and 33: thread
  // cancellation and set*id broadcasts). A process can inherit them *ignored* across exec, and
  // daemon(7) wants that undone; but once glibc installed its own handler it never installs it
  // again, so an installed handler is left alone: only SIG_IGN becomes SIG_DFL.
  if (errno != EINVAL || action == nullptr || old != nullptr || action->sa_handler != SIG_DFL ||
      sig < 32 || sig >= SIGRTMIN) {
    return -1;
  }
  kernel_sigaction current{};
  if (::syscall(SYS_rt_sigaction, sig, nullptr, &current, sizeof current.mask) == -1) return -1;
  if (current.handler != SIG_IGN) return 0;
  const kernel_sigaction dfl{SIG_DFL, 0, nullptr, 0};
  return static_cast<int>(::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask));
}

inline int sigprocmask(int how, const sigset_t* set, sigset_t* old) noexcept {
  // pthread_sigmask: sigprocmask is unspecified in a multi-threaded process.
  const int error = ::pthread_sigmask(how, set, old);
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}
inline int poll(struct pollfd* fds, nfds_t n, int timeout_ms) noexcept {
  return ::poll(fds, n, timeout_ms);
}
inline pid_t waitpid(pid_t pid, int* status, int options) noexcept {
  return ::waitpid(pid, status, options);
}
inline int kill(pid_t pid, int sig) noexcept { return ::kill(pid, sig); }
inline int chroot(const char* path) noexcept { return static_cast<int>(::syscall(SYS_chroot, path)); }
inline int setrlimit(int resource, const struct rlimit* limit) noexcept {
  return static_cast<int>(::syscall(SYS_setrlimit, resource, limit));
}
inline int setpriority(int which, int who, int priority) noexcept {
  return static_cast<int>(::syscall(SYS_setpriority, which, who, priority));
}
inline int setgroups(std::size_t n, const gid_t* groups) noexcept {
  return static_cast<int>(::syscall(SYS_setgroups, n, groups));
}
inline int setresgid(gid_t r, gid_t e, gid_t s) noexcept {
  return static_cast<int>(::syscall(SYS_setresgid, r, e, s));
}
inline int setresuid(uid_t r, uid_t e, uid_t s) noexcept {
  return static_cast<int>(::syscall(SYS_setresuid, r, e, s));
}
inline int execve(const char* path, char* const* argv, char* const* envp) noexcept {
  return ::execve(path, argv, envp);
}

inline pid_t getpid() noexcept { return ::getpid(); }
inline pid_t getppid() noexcept { return ::getppid(); }
inline pid_t getpgrp() noexcept { return ::getpgrp(); }
inline pid_t getsid(pid_t pid) noexcept { return ::getsid(pid); }
inline int pidfd_open(pid_t pid, unsigned flags) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
inline int pidfd_send_signal(int pidfd, int sig) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}
inline int nanosleep(const struct timespec* duration, struct timespec* left) noexcept {
  return ::nanosleep(duration, left);
}
inline mode_t umask(mode_t mask) noexcept { return ::umask(mask); }
inline DIR* opendir(const char* path) noexcept { return ::opendir(path); }
inline dirent* readdir(DIR* dir) noexcept { return ::readdir(dir); }
inline int closedir(DIR* dir) noexcept { return ::closedir(dir); }
inline int unlinkat(int dir, const char* path, int flags) noexcept { return ::unlinkat(dir, path, flags); }
inline int fchown(int fd, uid_t owner, gid_t group) noexcept { return ::fchown(fd, owner, group); }
inline int fstatat(int dir, const char* path, struct stat* st, int flags) noexcept {
  return ::fstatat(dir, path, st, flags);
}
inline int access(const char* path, int mode) noexcept { return ::access(path, mode); }
inline ssize_t readlink(const char* path, char* buffer, std::size_t size) noexcept {
  return ::readlink(path, buffer, size);
}
inline ssize_t pread(int fd, void* buffer, std::size_t size, off_t at) noexcept {
  return ::pread(fd, buffer, size, at);
}
inline int pipe2(int fds[2], int flags) noexcept { return ::pipe2(fds, flags); }
inline int socket(int domain, int type, int protocol) noexcept { return ::socket(domain, type, protocol); }
inline ssize_t sendto(int fd, const void* buffer, std::size_t size, int flags, const sockaddr* to,
               socklen_t n) noexcept {
  return ::sendto(fd, buffer, size, flags, to, n);
}
inline int signalfd(int fd, const sigset_t* set, int flags) noexcept { return ::signalfd(fd, set, flags); }

inline int execvp(const char* file, char* const* argv) noexcept { return ::execvp(file, argv); }
inline int prctl(int option, unsigned long arg) noexcept { return ::prctl(option, arg, 0UL, 0UL, 0UL); }
inline char* mkdtemp(char* path_template) noexcept { return ::mkdtemp(path_template); }
inline int rmdir(const char* path) noexcept { return ::rmdir(path); }
inline int chmod(const char* path, mode_t mode) noexcept { return ::chmod(path, mode); }
inline int bind(int fd, const sockaddr* address, socklen_t n) noexcept { return ::bind(fd, address, n); }
inline int setsockopt(int fd, int level, int name, const void* value, socklen_t n) noexcept {
  return ::setsockopt(fd, level, name, value, n);
}
inline ssize_t recvmsg(int fd, msghdr* message, int flags) noexcept { return ::recvmsg(fd, message, flags); }

}  // namespace daemoniker::detail::posix

#endif  // !defined(_WIN32)
