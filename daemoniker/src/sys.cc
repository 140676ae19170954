// The default system-call table: thin, noexcept forwards to POSIX/Linux.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include "daemoniker/detail/sys.hpp"

#include <pthread.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace daemoniker::detail {
namespace {

pid_t real_fork() noexcept { return ::fork(); }
pid_t real_setsid() noexcept { return ::setsid(); }
int real_chdir(const char* path) noexcept { return ::chdir(path); }
int real_open(const char* path, int flags, mode_t mode) noexcept {
  return ::open(path, flags, mode);
}
int real_close(int fd) noexcept { return ::close(fd); }
int real_close_range(unsigned first, unsigned last, int flags) noexcept {
#ifdef SYS_close_range
  return static_cast<int>(::syscall(SYS_close_range, first, last, flags));
#else
  (void)first, (void)last, (void)flags;
  errno = ENOSYS;
  return -1;
#endif
}
int real_getdents64(int fd, void* buffer, std::size_t size) noexcept {
  return static_cast<int>(::syscall(SYS_getdents64, fd, buffer, size));
}
int real_getrlimit(int resource, struct rlimit* limit) noexcept {
  return ::getrlimit(static_cast<__rlimit_resource_t>(resource), limit);
}
int real_dup2(int from, int to) noexcept { return ::dup2(from, to); }
int real_fcntl(int fd, int cmd, int arg) noexcept { return ::fcntl(fd, cmd, arg); }
int real_flock(int fd, int operation) noexcept { return ::flock(fd, operation); }
int real_linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                int flags) noexcept {
  return ::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}
int real_unlink(const char* path) noexcept { return ::unlink(path); }
int real_fchmod(int fd, mode_t mode) noexcept { return ::fchmod(fd, mode); }
int real_fstat(int fd, struct stat* st) noexcept { return ::fstat(fd, st); }
int real_lstat(const char* path, struct stat* st) noexcept { return ::lstat(path, st); }
int real_stat(const char* path, struct stat* st) noexcept { return ::stat(path, st); }
ssize_t real_read(int fd, void* buffer, std::size_t size) noexcept {
  return ::read(fd, buffer, size);
}
ssize_t real_write(int fd, const void* buffer, std::size_t size) noexcept {
  return ::write(fd, buffer, size);
}
ssize_t real_send(int fd, const void* buffer, std::size_t size, int flags) noexcept {
  return ::send(fd, buffer, size, flags);
}
int real_socketpair(int domain, int type, int protocol, int fds[2]) noexcept {
  return ::socketpair(domain, type, protocol, fds);
}
// The kernel's struct sigaction, for the raw system call below.
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

int real_sigaction(int sig, const struct sigaction* action, struct sigaction* old) noexcept {
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

int real_sigprocmask(int how, const sigset_t* set, sigset_t* old) noexcept {
  // pthread_sigmask: sigprocmask is unspecified in a multi-threaded process.
  const int error = ::pthread_sigmask(how, set, old);
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}
int real_poll(struct pollfd* fds, nfds_t n, int timeout_ms) noexcept {
  return ::poll(fds, n, timeout_ms);
}
pid_t real_waitpid(pid_t pid, int* status, int options) noexcept {
  return ::waitpid(pid, status, options);
}
int real_kill(pid_t pid, int sig) noexcept { return ::kill(pid, sig); }
int real_chroot(const char* path) noexcept { return static_cast<int>(::syscall(SYS_chroot, path)); }
int real_setrlimit(int resource, const struct rlimit* limit) noexcept {
  return static_cast<int>(::syscall(SYS_setrlimit, resource, limit));
}
int real_setpriority(int which, int who, int priority) noexcept {
  return static_cast<int>(::syscall(SYS_setpriority, which, who, priority));
}
int real_setgroups(std::size_t n, const gid_t* groups) noexcept {
  return static_cast<int>(::syscall(SYS_setgroups, n, groups));
}
int real_setresgid(gid_t r, gid_t e, gid_t s) noexcept {
  return static_cast<int>(::syscall(SYS_setresgid, r, e, s));
}
int real_setresuid(uid_t r, uid_t e, uid_t s) noexcept {
  return static_cast<int>(::syscall(SYS_setresuid, r, e, s));
}
int real_execve(const char* path, char* const* argv, char* const* envp) noexcept {
  return ::execve(path, argv, envp);
}

constexpr syscalls kReal{
    real_fork,     real_setsid,     real_chdir,      real_open,       real_close,
    real_close_range, real_getdents64, real_getrlimit, real_dup2,     real_fcntl,
    real_flock,    real_linkat,     real_unlink,     real_fchmod,     real_fstat,
    real_lstat,    real_stat,       real_read,       real_write,      real_send,       real_socketpair,
    real_sigaction, real_sigprocmask, real_poll,     real_waitpid,    real_kill,
    real_chroot,   real_setrlimit,  real_setpriority, real_setgroups, real_setresgid,
    real_setresuid, real_execve,
};

// Constant-initialized, so it is usable before main() and in any static initializer.
constinit syscalls current = kReal;

}  // namespace

syscalls& sys() noexcept { return current; }
const syscalls& real_syscalls() noexcept { return kReal; }

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
