// The invoking process's reading of the daemon's reports (verdict.hpp), for both platforms.
#include "daemoniker/src/verdict.hpp"

#include <algorithm>
#include <cerrno>

namespace daemoniker::detail {

namespace {

// A century stands for "forever" without overflowing the clock.
std::chrono::milliseconds bounded(std::chrono::milliseconds wait) {
  return std::clamp<std::chrono::milliseconds>(wait, std::chrono::milliseconds(0), std::chrono::hours(24 * 365 * 100));
}

}  // namespace

startup_wait::startup_wait(std::chrono::milliseconds timeout, bool relayed)
    : deadline_(clock::now() + bounded(timeout)), relayed_(relayed) {}

std::chrono::milliseconds startup_wait::left() const {
  return std::chrono::ceil<std::chrono::milliseconds>(deadline_ - clock::now());
}

startup_wait::verdict startup_wait::broken(const char* what) {
  failure_ = step_status::failure(step::startup, EPROTO, what);
  return verdict::broken;
}

startup_wait::verdict startup_wait::take(std::size_t n, plan& p) {
  got_ += n;
  if (got_ < sizeof report_) return verdict::pending;
  got_ = 0;
  if (report_.magic != record::kMagic) return broken("garbled report from the daemon");
  switch (report_.kind) {
    case record::hello:
      if (!relayed_) break;
      daemon_ = report_.pid;
      return verdict::pending;
    case record::extend:
      deadline_ = std::max(deadline_, clock::now() + bounded(std::chrono::milliseconds(report_.wait_status)));
      return verdict::pending;
    case record::ready:  // the pid the invoker knows (from fork, CreateProcess) over the claim
      p.daemon_pid = daemon_ > 0 ? daemon_ : report_.pid;
      return verdict::ready;
    case record::rejected:  // the program said it cannot start: it exits now
      p.daemon_pid = daemon_;
      failure_ = report_.status;
      failure_.failed = step::rejected;
      return verdict::failed;
    case record::failed:
      failure_ = report_.status;
      return verdict::failed;
    case record::died:
      if (relayed_) return verdict::died;
      break;
  }
  return broken("unknown report from the daemon");
}

}  // namespace daemoniker::detail
