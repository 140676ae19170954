// daemonizer_with given a type that models two policy families at once.
// expect: daemoniker::daemonizer_with: every argument must model exactly one of pid_policy, redirect_policy, fd_policy, handoff_policy
#include <daemoniker/daemoniker.hpp>

struct sweep_and_redirect {
  daemoniker::step_status sweep(const daemoniker::plan&) const noexcept { return {}; }
  daemoniker::step_status redirect(const daemoniker::plan&) const noexcept { return {}; }
};

void use() { [[maybe_unused]] daemoniker::daemonizer_with<sweep_and_redirect> ctx; }
