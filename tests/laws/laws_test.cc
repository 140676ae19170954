// Every policy model daemoniker ships on Linux, checked against the laws of its concept
// (//daemoniker/testing). The null objects (no_pid_file, no_sweep, keep_privileges) are held to
// "changes nothing" (switches_step_off).
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/policy/reexec.hpp>
#include "daemoniker/testing/laws.hpp"

namespace daemoniker::testing {

// The handoffs detach whatever supervises the test run (detach_mode::always): the laws that
// follow a daemon into its own process then apply. foreground_handoff covers staying.
template <>
struct policy_factory<fork_handoff> {
  static fork_handoff make() { return fork_handoff{.detach = detach_mode::always}; }
};
template <>
struct policy_factory<await_ready<>> {
  static await_ready<> make() {
    await_ready<> h;
    h.detach = detach_mode::always;
    return h;
  }
};

// drop_privileges as a user would configure it, with every setting that prepare() resolves;
// the user is this test's own, so that it exists wherever the test runs.
// [snippet:drop-privileges-factory]
template <>
struct policy_factory<drop_privileges> {
  static drop_privileges make() {
    return drop_privileges{.user = std::to_string(::getuid()),
                           .group = std::to_string(::getgid()),
                           .chroot = "/",
                           .prevent_core = true,
                           .nice = 5,
                           .keep_environment = std::vector<std::string>{"PATH"}};
  }
};
// [/snippet:drop-privileges-factory]

// (A list of types holds commas, which the macro would take for argument separators.)
using pid_models = ::testing::Types<locked_pid_file, no_pid_file>;
using redirect_models = ::testing::Types<redirect_stdio, inherit_stdio>;
using fd_models =
    ::testing::Types<auto_sweep, close_range_sweep, proc_fd_sweep, brute_force_sweep, no_sweep>;
// reexec_handoff and await_ready<reexec_handoff> start the daemon as a new run of this test
// program; each law follows it there as a re-run of the law (daemoniker/testing/harness.hpp).
using handoff_models =
    ::testing::Types<fork_handoff, foreground_handoff, await_ready<>, await_ready<foreground_handoff>,
                     reexec_handoff, await_ready<reexec_handoff>>;
using privilege_models = ::testing::Types<keep_privileges, drop_privileges>;

INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, PidPolicyLaws, pid_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, RedirectPolicyLaws, redirect_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, FdPolicyLaws, fd_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, HandoffPolicyLaws, handoff_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, PrivilegePolicyLaws, privilege_models);

}  // namespace daemoniker::testing
