// Every policy model daemoniker ships on Windows, checked against the laws of its concept that
// apply there (//daemoniker/testing), under Wine. The harness is this program started again for
// each law (a re-run, daemoniker/testing/harness.hpp), and so is the daemon of the handoffs.
// Laws that need fork() or POSIX are not instantiated on Windows (each suite's header says
// which): the pid laws of flock(2) and of a forked lock holder, waiter or daemon; the handoff
// laws all apply. There is no RedirectPolicyLaws on Windows: the handoff sets the daemon's
// standard handles when it creates the process (daemoniker/testing/redirect_policy_laws.hpp).
// The POSIX-only models (the fd sweeps, fork_handoff, drop_privileges) do not compile here.
#include <daemoniker/daemoniker.hpp>
#include "daemoniker/testing/laws.hpp"

namespace daemoniker::testing {

static_assert(std::is_same_v<default_handoff, reexec_handoff>, "await_ready<> is await_ready<reexec_handoff>");

using pid_models = ::testing::Types<locked_pid_file, no_pid_file>;
using fd_models = ::testing::Types<no_sweep>;
using handoff_models = ::testing::Types<reexec_handoff, await_ready<reexec_handoff>>;
using privilege_models = ::testing::Types<keep_privileges>;

INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, PidPolicyLaws, pid_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, FdPolicyLaws, fd_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, HandoffPolicyLaws, handoff_models);
INSTANTIATE_TYPED_TEST_SUITE_P(Shipped, PrivilegePolicyLaws, privilege_models);

}  // namespace daemoniker::testing
