// signal_handler's state, shared by the portable part (signal_handler.cc) and the platform's
// listener (signals.cc, windows/signals.cc). Private.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "daemoniker/signals.hpp"

namespace daemoniker {

struct signal_handler::state {
  std::map<int, callback> callbacks;
  bool has_stop_callback = false;
  std::atomic<bool> handled{false};  // the program handles stops itself (wait/stop_requested)
  std::atomic<int> stop_signal{0};
  std::mutex mutex;
  std::condition_variable stopped;
  std::thread listener;
  int signal_fd = -1;        // POSIX: the signalfd
  int wake_fd[2] = {-1, -1};  // POSIX: wakes the listener to stop
  void* events = nullptr;     // Windows: the named events

  /// Runs the callback of `signal`, and for a stop signal wakes wait() — or, when nobody
  /// handles it, ends the process cleanly (pid file removed).
  void dispatch(int signal);
};

namespace detail {
/// The stop signals (SIGTERM, SIGINT, SIGQUIT) and the reload one (SIGHUP), by number.
bool is_stop_signal(int signal) noexcept;
int reload_signal() noexcept;
/// Platform: start listening / stop listening.
void start_listening(signal_handler::state& s);
void stop_listening(signal_handler::state& s) noexcept;
}  // namespace detail

}  // namespace daemoniker
