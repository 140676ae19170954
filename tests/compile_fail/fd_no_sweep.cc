// An FdPolicy without sweep(): basic_daemonizer names the missing member and its signature.
// expect: daemoniker: the FdPolicy has no member `daemoniker::step_status sweep(const daemoniker::plan&) noexcept` — see docs/policies.md#fdpolicy
#include <daemoniker/daemoniker.hpp>

struct sweepless {
  daemoniker::step_status close_all(const daemoniker::plan&) const noexcept { return {}; }
};

void use() {
  [[maybe_unused]] daemoniker::basic_daemonizer<daemoniker::locked_pid_file, daemoniker::redirect_stdio,
                                                sweepless>
      ctx;
}
