// daemoniker/policy/privileges.hpp — PrivilegePolicy: who the daemon runs as.
//
// Concept `privilege_policy<P>`.
//
// Minimal complete definition:
//
//   | expression         | where it runs                          | returns       |
//   |--------------------|----------------------------------------|---------------|
//   | `p.prepare(plan)`  | invoking process, before anything forks | `step_status` |
//
// Optional traits:
//
//   | trait           | type                    | absent | when true                                  |
//   |-----------------|-------------------------|--------|--------------------------------------------|
//   | `P::posix_only` | `static constexpr bool` | false  | the model cannot work on Windows: using it there fails to compile, naming the platform; for the shipped models, so does calling `prepare` on one directly (DAEMONIKER_POSIX_ONLY) |
//
// `prepare` resolves names (users, groups: NSS lookups allocate, so never in the fork window)
// into plan.identity. The daemon then applies them as the last step before it confirms,
// after the pid file was created (so it may be in a root-owned directory), in this order:
// chroot, chdir inside it, RLIMIT_CORE 0, nice, setgroups (every supplementary group of the
// user, none of root's), setgid, setuid — and checks that setuid(0) now fails. The
// environment allow-list is applied once daemonize() returns.
//
// Laws. Each is a test of daemoniker::testing::PrivilegePolicyLaws
// (daemoniker/testing/privilege_policy_laws.hpp), for a configuration that can be prepared on the
// machine the test runs on:
//   1. `prepare` succeeds and writes plan.identity only: the rest of the plan is as it was.
//   2. `prepare` changes nothing in the invoking process — user, groups, root and working
//      directories, RLIMIT_CORE, niceness, umask, environment: only the daemon applies them.
//   3. `prepare` gives the same identity each time it is called.
// A null object (`keep_privileges`; daemoniker::testing::switches_step_off) leaves plan.identity
// as it was too: its `prepare` is a no-op that succeeds.
//
// Models: `keep_privileges` (default), `drop_privileges`. See docs/policies.md#privilegepolicy.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <concepts>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "daemoniker/plan.hpp"

namespace daemoniker {

template <class P>
concept privilege_policy = requires(const P& p, plan& pl) {
  { p.prepare(pl) } -> std::same_as<step_status>;
};

/// The daemon keeps the invoking process's user, groups, root directory and limits.
struct keep_privileges {
  step_status prepare(plan&) const { return {}; }
};

/// daemon(7)'s "drop privileges", and the rest of its hardening.
///
///     daemoniker::daemonizer_with<daemoniker::drop_privileges> d{
///         {}, {}, {}, {}, daemoniker::drop_privileges{.user = "www-data"}};
struct drop_privileges {
  /// POSIX only: on Windows, using it fails to compile (run a service account there instead).
  static constexpr bool posix_only = true;
  /// User name or numeric id; empty: keep the current user (the other settings still apply).
  std::string user{};
  /// Group name or numeric id; empty: the user's primary group.
  std::string group{};
  /// chroot() into this directory first (options::chdir is then taken inside it; "/" when
  /// unset). Empty: none.
  std::filesystem::path chroot{};
  /// RLIMIT_CORE 0: no core dump can leak the daemon's memory.
  bool prevent_core = false;
  /// setpriority() niceness.
  std::optional<int> nice{};
  /// When set, the environment is cleared but for these variables (PATH is a common keeper).
  std::optional<std::vector<std::string>> keep_environment{};
  /// The pid file is chowned to the user, so that the daemon can still remove it at exit
  /// (where the directory lets it).
  bool own_pid_file = true;

  DAEMONIKER_POSIX_ONLY("drop_privileges",
                        "users, groups, chroot and resource limits are POSIX's: run the daemon "
                        "under a service account and use keep_privileges, the default")
  step_status prepare(plan& p) const;
};

}  // namespace daemoniker
