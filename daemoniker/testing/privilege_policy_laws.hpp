// daemoniker/testing/privilege_policy_laws.hpp — the laws of privilege_policy
// (daemoniker/policy/privileges.hpp), as a typed-parameterized GoogleTest suite:
//
//     namespace daemoniker::testing {
//     INSTANTIATE_TYPED_TEST_SUITE_P(Mine, PrivilegePolicyLaws, ::testing::Types<my_identity>);
//     }
//
// `prepare` must succeed for the policy policy_factory<P> makes, on the machine the test runs
// on: configure it (a user that exists, ...) through a policy_factory specialization. A policy
// for which switches_step_off<P> is true (keep_privileges) must leave the whole plan as it was.
//
// On Windows (keep_privileges only: drop_privileges is POSIX only) law 2 looks at what a Windows
// process has of that list: its working directory, umask and environment.
#pragma once

#if defined(_WIN32)
#if !defined(NOMINMAX)
#define NOMINMAX  // std::min and std::max, not <windows.h>'s macros
#endif
#include <windows.h>
#include <io.h>
#else
#include <grp.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemoniker/policy/privileges.hpp"
#include "daemoniker/testing/harness.hpp"

#if !defined(_WIN32)
extern char** environ;
#endif

namespace daemoniker::testing {

template <>
inline constexpr bool switches_step_off<keep_privileges> = true;

namespace laws_detail {

/// The first member of credentials that differs, or "" when they are equal.
inline std::string first_difference(const credentials& a, const credentials& b) {
  if (a.change_user != b.change_user) return "identity.change_user";
  if (a.uid != b.uid) return "identity.uid";
  if (a.gid != b.gid) return "identity.gid";
  if (a.groups != b.groups) return "identity.groups";
  if (a.chroot != b.chroot) return "identity.chroot";
  if (a.prevent_core != b.prevent_core) return "identity.prevent_core";
  if (a.set_nice != b.set_nice || a.nice != b.nice) return "identity.nice";
  if (a.own_pid_file != b.own_pid_file) return "identity.own_pid_file";
  if (a.sanitize_environment != b.sanitize_environment) return "identity.sanitize_environment";
  if (a.keep_environment != b.keep_environment) return "identity.keep_environment";
  return "";
}

/// The first member of the plans that differs, identity aside, or "" when they are equal.
inline std::string first_difference_but_identity(const plan& a, const plan& b) {
  if (a.pid_file != b.pid_file) return "pid_file";
  if (a.chdir != b.chdir || a.chdir_defaulted != b.chdir_defaulted) return "chdir";
  if (a.stdin_goto != b.stdin_goto || a.stdout_goto != b.stdout_goto ||
      a.stderr_goto != b.stderr_goto || a.defaulted_stdio != b.defaulted_stdio) {
    return "stdio targets";
  }
  if (a.umask != b.umask) return "umask";
  if (a.shielded_fds != b.shielded_fds) return "shielded_fds";
  if (a.fd_fallback_limit != b.fd_fallback_limit) return "fd_fallback_limit";
  if (a.success_timeout != b.success_timeout) return "success_timeout";
  if (a.strip_cmd_args != b.strip_cmd_args) return "strip_cmd_args";
  if (a.keeps_caller_stdio != b.keeps_caller_stdio) return "keeps_caller_stdio";
  if (a.listen_fds != b.listen_fds || a.listen_fdnames != b.listen_fdnames) return "listen_fds";
  if (a.foreground != b.foreground) return "foreground";
  if (a.daemon_pid != b.daemon_pid) return "daemon_pid";
  return "";
}

/// What a process is, as far as a PrivilegePolicy could change it.
#if defined(_WIN32)
struct process_identity {
  std::filesystem::path cwd;
  int umask;
  std::vector<std::string> environment;
};

inline process_identity identity_now() {
  process_identity i{};
  i.cwd = std::filesystem::current_path();
  i.umask = ::_umask(0);
  ::_umask(i.umask);
  char* env = ::GetEnvironmentStringsA();
  for (const char* e = env; *e != '\0'; e += std::strlen(e) + 1) i.environment.emplace_back(e);
  ::FreeEnvironmentStringsA(env);
  return i;
}

/// The first attribute of the process that differs, or "" when none does.
inline std::string first_difference(const process_identity& a, const process_identity& b) {
  if (a.cwd != b.cwd) return "working directory";
  if (a.umask != b.umask) return "umask";
  if (a.environment != b.environment) return "environment";
  return "";
}
#else
struct process_identity {
  uid_t ruid, euid;
  gid_t rgid, egid;
  std::vector<gid_t> groups;
  file_id root, cwd;
  rlimit core;
  int nice;
  mode_t umask;
  std::vector<std::string> environment;
};

inline process_identity identity_now() {
  process_identity i{};
  i.ruid = ::getuid();
  i.euid = ::geteuid();
  i.rgid = ::getgid();
  i.egid = ::getegid();
  i.groups.resize(static_cast<std::size_t>(::getgroups(0, nullptr)));
  i.groups.resize(static_cast<std::size_t>(::getgroups(static_cast<int>(i.groups.size()), i.groups.data())));
  i.root = id_of(std::filesystem::path("/"));
  i.cwd = id_of(std::filesystem::path("."));
  ::getrlimit(RLIMIT_CORE, &i.core);
  errno = 0;
  i.nice = ::getpriority(PRIO_PROCESS, 0);
  i.umask = ::umask(0);
  ::umask(i.umask);
  for (char** e = environ; *e != nullptr; ++e) i.environment.emplace_back(*e);
  return i;
}

/// The first attribute of the process that differs, or "" when none does.
inline std::string first_difference(const process_identity& a, const process_identity& b) {
  if (a.ruid != b.ruid || a.euid != b.euid) return "user";
  if (a.rgid != b.rgid || a.egid != b.egid) return "group";
  if (a.groups != b.groups) return "supplementary groups";
  if (a.root != b.root) return "root directory";
  if (a.cwd != b.cwd) return "working directory";
  if (a.core.rlim_cur != b.core.rlim_cur || a.core.rlim_max != b.core.rlim_max) return "RLIMIT_CORE";
  if (a.nice != b.nice) return "nice";
  if (a.umask != b.umask) return "umask";
  if (a.environment != b.environment) return "environment";
  return "";
}
#endif

/// What a prepare law saw.
struct prepare_seen {
  step_status status;
  char plan_changed[64], identity_changed[64], process_changed[64], not_repeatable[64];
};

/// Prepares a fresh plan for `pid_file` twice and records what changed.
template <class P>
void prepare_and_look(const std::filesystem::path& pid_file, prepare_seen& s) {
  const plan before = plan_for(pid_file);
  plan once = before, twice = before;
  const P policy = policy_factory<P>::make();
  const process_identity was = identity_now();
  s.status = policy.prepare(once);
  copy_to(s.process_changed, first_difference(was, identity_now()));
  (void)policy.prepare(twice);
  copy_to(s.plan_changed, first_difference_but_identity(before, once));
  copy_to(s.identity_changed, first_difference(before.identity, once.identity));
  copy_to(s.not_repeatable, first_difference(once.identity, twice.identity));
}

}  // namespace laws_detail

/// The laws, one function each; PrivilegePolicyLaws runs them.
template <class P>
struct privilege_policy_laws {
  static_assert(privilege_policy<P>,
                "PrivilegePolicyLaws<P>: P does not model daemoniker::privilege_policy");
  static constexpr bool off = switches_step_off<P>;

  /// `prepare` succeeds and writes plan.identity only; a null object leaves it as it was too.
  static void prepare_fills_in_plan_identity_only() {
    const laws_detail::prepare_seen s = prepare();
    ASSERT_TRUE(s.status.ok()) << laws_detail::text(s.status);
    EXPECT_STREQ(s.plan_changed, "") << "prepare changed the plan outside plan.identity";
    if constexpr (off) {
      EXPECT_STREQ(s.identity_changed, "") << "a null object changed the identity";
    }
  }

  /// `prepare` only resolves: the invoking process keeps its user, groups, root and working
  /// directories, limits, niceness, umask and environment (the daemon applies the identity).
  static void prepare_leaves_the_invoking_process_as_it_was() {
    EXPECT_STREQ(prepare().process_changed, "") << "prepare changed the invoking process";
  }

  /// `prepare` (a const member) gives the same identity each time it is called.
  static void prepare_gives_the_same_identity_each_time() {
    EXPECT_STREQ(prepare().not_repeatable, "") << "a second prepare gave another identity";
  }

 private:
  // Runs prepare_and_look in a harness and returns what it saw.
  static laws_detail::prepare_seen prepare() {
    laws_detail::shared<laws_detail::prepare_seen> s;
    laws_detail::scratch_dir dir;
    const auto ran = laws_detail::in_child([&] { laws_detail::prepare_and_look<P>(dir / "law.pid", *s); });
    EXPECT_TRUE(ran);
    if (!ran) laws_detail::copy_to(s->process_changed, "the harness failed");
    return *s;
  }
};

/// The suite: `INSTANTIATE_TYPED_TEST_SUITE_P(Prefix, PrivilegePolicyLaws, ::testing::Types<P...>)`.
template <class P>
class PrivilegePolicyLaws : public ::testing::Test {};

TYPED_TEST_SUITE_P(PrivilegePolicyLaws);

TYPED_TEST_P(PrivilegePolicyLaws, PrepareFillsInPlanIdentityOnly) {
  privilege_policy_laws<TypeParam>::prepare_fills_in_plan_identity_only();
}
TYPED_TEST_P(PrivilegePolicyLaws, PrepareLeavesTheInvokingProcessAsItWas) {
  privilege_policy_laws<TypeParam>::prepare_leaves_the_invoking_process_as_it_was();
}
TYPED_TEST_P(PrivilegePolicyLaws, PrepareGivesTheSameIdentityEachTime) {
  privilege_policy_laws<TypeParam>::prepare_gives_the_same_identity_each_time();
}

REGISTER_TYPED_TEST_SUITE_P(PrivilegePolicyLaws, PrepareFillsInPlanIdentityOnly,
                            PrepareLeavesTheInvokingProcessAsItWas,
                            PrepareGivesTheSameIdentityEachTime);

}  // namespace daemoniker::testing
