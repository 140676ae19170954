// signal_handler, the portable part: callbacks, stop requests, the clean-shutdown default.
#include <cstdio>
#include <cstdlib>

#include "daemoniker/pid_file.hpp"
#include "signal_state.hpp"

namespace daemoniker {

signal_handler::signal_handler() : state_(std::make_unique<state>()) {
  for (int sig = 1; sig < 64; ++sig) {
    if (detail::is_stop_signal(sig) || sig == detail::reload_signal()) state_->callbacks[sig] = nullptr;
  }
}

signal_handler::~signal_handler() { detail::stop_listening(*state_); }

signal_handler& signal_handler::on(int signal, callback cb) {
  if (detail::is_stop_signal(signal)) state_->has_stop_callback = true;
  state_->callbacks[signal] = std::move(cb);
  return *this;
}

signal_handler& signal_handler::on_stop(const callback& cb) {
  for (auto& [sig, slot] : state_->callbacks) {
    if (detail::is_stop_signal(sig)) slot = cb;  // one copy per stop signal: each may be replaced alone
  }
  state_->has_stop_callback = true;
  return *this;
}

signal_handler& signal_handler::on_reload(callback cb) {
  state_->callbacks[detail::reload_signal()] = std::move(cb);
  return *this;
}

void signal_handler::start() { detail::start_listening(*state_); }

int signal_handler::wait() {
  state_->handled.store(true);
  std::unique_lock lock(state_->mutex);
  state_->stopped.wait(lock, [this] { return state_->stop_signal.load() != 0; });
  return state_->stop_signal.load();
}

bool signal_handler::stop_requested() const noexcept {
  state_->handled.store(true);
  return state_->stop_signal.load() != 0;
}

signal_handler& signal_handler::exit_on_stop(bool exit) noexcept {
  state_->handled.store(!exit);
  return *this;
}

void signal_handler::state::dispatch(int signal) {
  const auto found = callbacks.find(signal);
  if (found != callbacks.end() && found->second) found->second(signal);
  if (!detail::is_stop_signal(signal)) return;
  {
    std::lock_guard lock(mutex);
    stop_signal.store(signal);
  }
  stopped.notify_all();
  if (!has_stop_callback && !handled.load()) {
    // Nobody handles it: a clean shutdown, without running other threads' destructors.
    release_pid_file();
    std::fflush(nullptr);
    std::_Exit(0);
  }
}

}  // namespace daemoniker
