// A RedirectPolicy whose redirect() has the wrong signature (takes no plan): reported as missing.
// expect: daemoniker: the RedirectPolicy has no member `daemoniker::step_status redirect(const daemoniker::plan&) noexcept` — see docs/policies.md#redirectpolicy
#include <daemoniker/daemoniker.hpp>

struct planless_redirect {
  daemoniker::step_status redirect() noexcept { return {}; }
};

void use() {
  [[maybe_unused]] daemoniker::basic_daemonizer<daemoniker::locked_pid_file, planless_redirect> ctx;
}
