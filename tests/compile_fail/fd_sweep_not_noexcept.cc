// An FdPolicy whose sweep() may throw: it runs right after fork(), so it must be noexcept.
// expect: daemoniker: the FdPolicy's sweep() must be noexcept and return daemoniker::step_status (it runs right after fork(), where nothing may throw) — see docs/policies.md#fdpolicy
#include <daemoniker/daemoniker.hpp>

struct throwing_sweep {
  daemoniker::step_status sweep(const daemoniker::plan&) const { return {}; }
};

void use() {
  [[maybe_unused]] daemoniker::basic_daemonizer<daemoniker::locked_pid_file, daemoniker::redirect_stdio,
                                                throwing_sweep>
      ctx;
}
