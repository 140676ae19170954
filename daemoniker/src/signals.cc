// POSIX signal_handler listener: a signalfd read by a thread of its own.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "signal_state.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {

bool is_stop_signal(int sig) noexcept { return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT; }
int reload_signal() noexcept { return SIGHUP; }

namespace {
sigset_t handled_set(const signal_handler::state& s) {
  sigset_t set;
  sigemptyset(&set);
  for (const auto& [sig, cb] : s.callbacks) sigaddset(&set, sig);
  return set;
}
}  // namespace

void start_listening(signal_handler::state& s) {
  if (s.listener.joinable()) return;
  const sigset_t set = handled_set(s);
  if (os::sigprocmask(SIG_BLOCK, &set, nullptr) == -1) {
    throw std::system_error(errno, std::generic_category(), "daemoniker::signal_handler: pthread_sigmask");
  }
  s.signal_fd = os::signalfd(-1, &set, SFD_CLOEXEC);
  if (s.signal_fd == -1 || os::pipe2(s.wake_fd, O_CLOEXEC) == -1) {
    throw std::system_error(errno, std::generic_category(), "daemoniker::signal_handler: signalfd");
  }
  s.listener = std::thread([&s] {
    for (;;) {
      struct pollfd fds[2] = {{s.signal_fd, POLLIN, 0}, {s.wake_fd[0], POLLIN, 0}};
      if (os::poll(fds, 2, -1) == -1) {
        if (errno == EINTR) continue;
        return;
      }
      if ((fds[1].revents & POLLIN) != 0) return;
      signalfd_siginfo info{};
      if (os::read(s.signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        s.dispatch(static_cast<int>(info.ssi_signo));
      }
    }
  });
}

void stop_listening(signal_handler::state& s) noexcept {
  if (s.listener.joinable()) {
    const char wake = 1;
    (void)os::write(s.wake_fd[1], &wake, 1);
    s.listener.join();
  }
  for (const int fd : {s.signal_fd, s.wake_fd[0], s.wake_fd[1]}) {
    if (fd != -1) os::close(fd);
  }
  const sigset_t set = handled_set(s);
  os::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
