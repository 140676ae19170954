// daemoniker/testing/laws.hpp — every law suite: one typed-parameterized GoogleTest suite per
// policy concept, to instantiate for your own policies (docs/policies.md, "Checking your own
// policy against the laws"):
//
//     #include "daemoniker/testing/laws.hpp"
//
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, FdPolicyLaws, ::testing::Types<my_sweep>);
//     }
//
//   PidPolicyLaws        daemoniker/testing/pid_policy_laws.hpp
//   RedirectPolicyLaws   daemoniker/testing/redirect_policy_laws.hpp (POSIX only)
//   FdPolicyLaws         daemoniker/testing/fd_policy_laws.hpp
//   HandoffPolicyLaws    daemoniker/testing/handoff_policy_laws.hpp
//   PrivilegePolicyLaws  daemoniker/testing/privilege_policy_laws.hpp
//
// policy_factory<P> and switches_step_off<P> (harness.hpp) are the customization points.
// On Windows each suite has the laws that apply there (each header says which); a law that
// needs fork() or POSIX is not instantiated there at all, rather than skipped when it runs.
// Through this header a suite that the test does not instantiate is no error; through a single
// suite's header, GoogleTest reports a suite left uninstantiated.
#pragma once

#include "daemoniker/testing/fd_policy_laws.hpp"
#include "daemoniker/testing/handoff_policy_laws.hpp"
#include "daemoniker/testing/pid_policy_laws.hpp"
#include "daemoniker/testing/privilege_policy_laws.hpp"
#include "daemoniker/testing/redirect_policy_laws.hpp"

namespace daemoniker::testing {
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PidPolicyLaws);
#if !defined(_WIN32)  // no RedirectPolicyLaws on Windows (redirect_policy_laws.hpp says why)
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RedirectPolicyLaws);
#endif
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FdPolicyLaws);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HandoffPolicyLaws);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PrivilegePolicyLaws);
}  // namespace daemoniker::testing
