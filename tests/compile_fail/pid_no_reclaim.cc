// A PidPolicy without reclaim().
// expect: daemoniker: the PidPolicy has no member `void reclaim(const daemoniker::plan&, long long pid) noexcept` — see docs/policies.md#pidpolicy
#include <daemoniker/daemoniker.hpp>

struct pid_without_reclaim {
  daemoniker::step_status validate(const daemoniker::plan&) { return {}; }
  daemoniker::step_status acquire(const daemoniker::plan&) noexcept { return {}; }
  void abandon(const daemoniker::plan&) noexcept {}
  void keep_until_exit(const daemoniker::plan&) noexcept {}
};

void use() { [[maybe_unused]] daemoniker::basic_daemonizer<pid_without_reclaim> ctx; }
