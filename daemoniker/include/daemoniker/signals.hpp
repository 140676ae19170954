// daemoniker/signals.hpp — signals as callbacks on a thread of their own.
//
//     daemoniker::daemonize("/run/echo.pid", {.chdir = "/"});
//     daemoniker::signal_handler signals;          // before starting any other thread
//     signals.on_reload([&](int) { reload_config(); });
//     signals.start();
//     ... start worker threads, serve ...
//     signals.wait();   // returns when SIGTERM, SIGINT or SIGQUIT arrives
//     return 0;         // normal exit: the pid file is removed
//
// The signals are blocked in the thread that calls start() (so in every thread created after
// it) and read from a signalfd by a listener thread, which runs the callbacks: nothing runs in a
// signal handler, so callbacks may do anything (log, allocate, take locks).
//
// Defaults: SIGTERM, SIGINT and SIGQUIT are "stop" signals and SIGHUP is "reload". A stop signal
// calls on_stop's callback if there is one, and makes wait() return. When nobody handles it —
// no on_stop callback, no call to wait() or stop_requested() yet, and exit_on_stop(false) not
// said — it is a clean shutdown: the pid file is removed (unlink before unlock), stdio flushed,
// and the process exits with status 0. SIGHUP calls on_reload's callback, and is otherwise
// ignored (not fatal, as its default would be).
//
// The C++ form of the Python daemoniker's SignalHandler1; `daemoniker::send()`
// (daemoniker/pid_file.hpp) is its send().
#pragma once

#include "daemoniker/detail/config.hpp"

#include <functional>
#include <memory>

namespace daemoniker {

class signal_handler {
 public:
  using callback = std::function<void(int signal)>;

  signal_handler();
  /// Stops the listener and unblocks the signals it handled (in the calling thread).
  ~signal_handler();
  signal_handler(const signal_handler&) = delete;
  signal_handler& operator=(const signal_handler&) = delete;

  /// Calls `cb` on the listener thread when `signal` arrives (replaces a default). Before start().
  signal_handler& on(int signal, callback cb);
  /// For SIGTERM, SIGINT and SIGQUIT: called before wait() returns.
  signal_handler& on_stop(const callback& cb);
  /// For SIGHUP.
  signal_handler& on_reload(callback cb);

  /// Blocks the handled signals in the calling thread and starts listening. Call it before
  /// creating other threads: they inherit the mask, so no thread takes a signal by default
  /// action. Throws std::system_error when the listener cannot be set up.
  void start();

  /// Blocks until a stop signal arrived, and returns it (at once if one already did).
  int wait();
  /// True once a stop signal arrived. Calling it says the program handles stops itself.
  [[nodiscard]] bool stop_requested() const noexcept;

  /// Whether an unhandled stop signal ends the process (default true). Say false before
  /// start() when the program will handle stops (by wait() or stop_requested()) only later.
  signal_handler& exit_on_stop(bool exit) noexcept;

  struct state;  // the listener thread, its fds or events, the callbacks (src/signals.cc)

 private:
  std::unique_ptr<state> state_;
};

}  // namespace daemoniker
