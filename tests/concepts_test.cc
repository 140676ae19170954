// Compile-time checks of the policy concepts, in the manner of Hana's law tests: every shipped
// model satisfies its concept and no other, and broken policies are rejected. The runtime test
// only exists so that the file is a test target; the real checks are the static_asserts.
#include <type_traits>

#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

namespace daemoniker {
namespace {

// Every shipped model models its own family.
static_assert(pid_policy<locked_pid_file> && pid_policy<no_pid_file>);
static_assert(redirect_policy<redirect_stdio> && redirect_policy<inherit_stdio>);
static_assert(fd_policy<auto_sweep> && fd_policy<close_range_sweep> && fd_policy<proc_fd_sweep> &&
              fd_policy<brute_force_sweep> && fd_policy<no_sweep>);
static_assert(handoff_policy<fork_handoff>);

// ...and no other.
static_assert(!fd_policy<locked_pid_file> && !redirect_policy<auto_sweep>);
static_assert(!pid_policy<fork_handoff> && !handoff_policy<redirect_stdio>);

// Broken policies.
struct sweep_that_may_throw {  // not noexcept: it runs right after fork()
  step_status sweep(const plan&) { return {}; }
};
struct sweep_returning_int {
  int sweep(const plan&) noexcept { return 0; }
};
struct redirect_without_plan {
  step_status redirect() noexcept { return {}; }
};
struct pid_without_reclaim {
  step_status validate(const plan&) { return {}; }
  step_status acquire(const plan&) noexcept { return {}; }
  void abandon(const plan&) noexcept {}
  void keep_until_exit(const plan&) noexcept {}
};
struct handoff_with_mutable_is_setup {
  bool is_setup() noexcept { return true; }  // must be const
  role launch(plan&, const stages&) { return role::invoker; }
};
static_assert(!fd_policy<sweep_that_may_throw>);
static_assert(!fd_policy<sweep_returning_int>);
static_assert(!redirect_policy<redirect_without_plan>);
static_assert(!pid_policy<pid_without_reclaim>);
static_assert(!handoff_policy<handoff_with_mutable_is_setup>);

// A user-written policy is a plain struct.
struct log_sweep {
  step_status sweep(const plan&) const noexcept { return {}; }
};
static_assert(fd_policy<log_sweep>);

// daemonizer_with puts each policy in its slot, in any order, and keeps the defaults.
static_assert(std::is_same_v<daemonizer_with<>, daemonizer>);
static_assert(std::is_same_v<daemonizer, basic_daemonizer<locked_pid_file, redirect_stdio,
                                                          auto_sweep, fork_handoff>>);
static_assert(std::is_same_v<daemonizer_with<proc_fd_sweep, no_pid_file>,
                             basic_daemonizer<no_pid_file, redirect_stdio, proc_fd_sweep>>);
static_assert(std::is_same_v<daemonizer_with<inherit_stdio, log_sweep>,
                             basic_daemonizer<locked_pid_file, inherit_stdio, log_sweep>>);

// Empty policies cost nothing in the daemonizer.
static_assert(sizeof(basic_daemonizer<no_pid_file, inherit_stdio, no_sweep>) <=
              sizeof(fork_handoff) + 2 * sizeof(int));

// The free daemonize() takes options only right after the pid file.
template <class... A>
concept can_daemonize = requires(A&&... a) { daemonize(std::forward<A>(a)...); };
static_assert(can_daemonize<const char*, options&, int>);
static_assert(can_daemonize<const char*, int, std::string>);
static_assert(!can_daemonize<const char*, int, options&>);

// options keeps the spec's defaults.
static_assert(options{}.umask == 0027 && options{}.fd_fallback_limit == 1024 &&
              options{}.success_timeout == std::chrono::seconds(30) && !options{}.strip_cmd_args);

// No member of basic_daemonizer is named like a concept: inside the class, such a member would
// hide the concept (ill-formed, no diagnostic required, where the class also uses the concept).
// The accessors are pid(), redirect(), fds(), handoff(), privileges().
#define DAEMONIKER_HAS_MEMBER_NAMED(name)                                         \
  template <class C>                                                              \
  concept has_member_named_##name = requires { &C::name; } || requires {          \
    typename C::name;                                                             \
  };
DAEMONIKER_HAS_MEMBER_NAMED(pid_policy)
DAEMONIKER_HAS_MEMBER_NAMED(redirect_policy)
DAEMONIKER_HAS_MEMBER_NAMED(fd_policy)
DAEMONIKER_HAS_MEMBER_NAMED(handoff_policy)
DAEMONIKER_HAS_MEMBER_NAMED(privilege_policy)
#undef DAEMONIKER_HAS_MEMBER_NAMED

template <class D>
constexpr bool shares_no_name_with_a_concept =
    !has_member_named_pid_policy<D> && !has_member_named_redirect_policy<D> &&
    !has_member_named_fd_policy<D> && !has_member_named_handoff_policy<D> &&
    !has_member_named_privilege_policy<D>;
static_assert(shares_no_name_with_a_concept<daemonizer>);
static_assert(shares_no_name_with_a_concept<basic_daemonizer<no_pid_file, inherit_stdio, no_sweep>>);

// The checks see a member when there is one (a data member, a member function, a type)...
struct named_like_the_concepts {
  int pid_policy;
  void redirect_policy();
  using fd_policy = int;
  static void handoff_policy();
  int privilege_policy() const;
};
static_assert(has_member_named_pid_policy<named_like_the_concepts> &&
              has_member_named_redirect_policy<named_like_the_concepts> &&
              has_member_named_fd_policy<named_like_the_concepts> &&
              has_member_named_handoff_policy<named_like_the_concepts> &&
              has_member_named_privilege_policy<named_like_the_concepts>);
// ...and the accessors that replaced them are there.
static_assert(requires(daemonizer& d) {
  d.pid();
  d.redirect();
  d.fds();
  d.handoff();
  d.privileges();
});

TEST(Concepts, AreCheckedAtCompileTime) { SUCCEED(); }

}  // namespace
}  // namespace daemoniker
