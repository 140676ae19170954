// A RedirectPolicy whose redirect() has the wrong signature (returns bool, not step_status).
// expect: daemoniker: the RedirectPolicy's redirect() must be noexcept and return daemoniker::step_status (it runs between fork() and confirmation, where nothing may throw) — see docs/policies.md#redirectpolicy
#include <daemoniker/daemoniker.hpp>

struct bool_redirect {
  bool redirect(const daemoniker::plan&) const noexcept { return true; }
};

void use() {
  [[maybe_unused]] daemoniker::basic_daemonizer<daemoniker::locked_pid_file, bool_redirect> ctx;
}
