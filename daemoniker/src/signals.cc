// POSIX signal_handler: a signalfd read by a listener thread.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "daemoniker/pid_file.hpp"
#include "daemoniker/signals.hpp"

namespace daemoniker {
namespace {

bool is_stop(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGQUIT; }

}  // namespace

signal_handler::signal_handler() {
  for (const int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP}) callbacks_[sig] = nullptr;
}

signal_handler::~signal_handler() {
  if (listener_.joinable()) {
    const char wake = 1;
    (void)::write(wake_fd_[1], &wake, 1);
    listener_.join();
  }
  for (int fd : {signal_fd_, wake_fd_[0], wake_fd_[1]}) {
    if (fd != -1) ::close(fd);
  }
  sigset_t set;
  sigemptyset(&set);
  for (const auto& [sig, cb] : callbacks_) sigaddset(&set, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

signal_handler& signal_handler::on(int signal, callback cb) {
  if (is_stop(signal)) has_stop_callback_ = true;
  callbacks_[signal] = std::move(cb);
  return *this;
}

signal_handler& signal_handler::on_stop(callback cb) {
  callbacks_[SIGTERM] = cb;
  callbacks_[SIGINT] = cb;
  callbacks_[SIGQUIT] = std::move(cb);
  has_stop_callback_ = true;
  return *this;
}

signal_handler& signal_handler::on_reload(callback cb) {
  callbacks_[SIGHUP] = std::move(cb);
  return *this;
}

void signal_handler::start() {
  if (listener_.joinable()) return;
  sigset_t set;
  sigemptyset(&set);
  for (const auto& [sig, cb] : callbacks_) sigaddset(&set, sig);
  if (const int e = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); e != 0) {
    throw std::system_error(e, std::generic_category(), "daemoniker::signal_handler: pthread_sigmask");
  }
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  if (signal_fd_ == -1 || ::pipe2(wake_fd_, O_CLOEXEC) == -1) {
    throw std::system_error(errno, std::generic_category(), "daemoniker::signal_handler: signalfd");
  }
  listener_ = std::thread([this] { listen(); });
}

void signal_handler::listen() {
  for (;;) {
    struct pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) == -1) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      dispatch(static_cast<int>(info.ssi_signo));
    }
  }
}

void signal_handler::dispatch(int signal) {
  const auto found = callbacks_.find(signal);
  if (found != callbacks_.end() && found->second) found->second(signal);
  if (!is_stop(signal)) return;
  {
    std::lock_guard lock(mutex_);
    stop_signal_.store(signal);
  }
  stopped_.notify_all();
  if (!has_stop_callback_ && !waiting_.load()) {
    // Nobody handles it: a clean shutdown, without running other threads' destructors.
    release_pid_file();
    std::fflush(nullptr);
    ::_exit(0);
  }
}

int signal_handler::wait() {
  waiting_.store(true);
  std::unique_lock lock(mutex_);
  stopped_.wait(lock, [this] { return stop_signal_.load() != 0; });
  return stop_signal_.load();
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
