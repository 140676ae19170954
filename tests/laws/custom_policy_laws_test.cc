// A user-written policy checked against its concept's laws, as a user's own test would do it
// (docs/policies.md, "Checking your own policy against the laws", shows this file).
// [snippet:custom-policy-laws]
#include <daemoniker/daemoniker.hpp>
#include "daemoniker/testing/fd_policy_laws.hpp"

namespace app {

// auto_sweep without close_range(2), for a sandbox whose seccomp filter forbids it: the
// /proc/self/fd walk, else the brute-force loop.
struct no_close_range_sweep {
  daemoniker::step_status sweep(const daemoniker::plan& p) const noexcept {
    if (auto s = daemoniker::proc_fd_sweep{}.sweep(p); s.ok()) return s;
    return daemoniker::brute_force_sweep{}.sweep(p);
  }
};
static_assert(daemoniker::fd_policy<no_close_range_sweep>);

}  // namespace app

namespace daemoniker::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(App, FdPolicyLaws, ::testing::Types<app::no_close_range_sweep>);
}  // namespace daemoniker::testing
// [/snippet:custom-policy-laws]
