// A HandoffPolicy whose is_setup() is not const.
// expect: daemoniker: the HandoffPolicy has no member `bool is_setup() const noexcept` — see docs/policies.md#handoffpolicy
#include <daemoniker/daemoniker.hpp>

struct mutable_handoff {
  bool is_setup() noexcept { return true; }  // must be const
  daemoniker::role launch(daemoniker::plan&, const daemoniker::stages&) {
    return daemoniker::role::invoker;
  }
};

void use() {
  [[maybe_unused]] daemoniker::basic_daemonizer<daemoniker::locked_pid_file, daemoniker::redirect_stdio,
                                                daemoniker::auto_sweep, mutable_handoff>
      ctx;
}
