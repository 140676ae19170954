// daemoniker/detail/policy_checks.hpp — the diagnostics of basic_daemonizer's policy slots.
//
// A concept failure inside a class template reads badly, so basic_daemonizer checks each slot
// with these: one static_assert per missing member, naming the slot, the member's exact
// signature, and the section of docs/policies.md that explains it.
#pragma once

#include "daemoniker/detail/config.hpp"

#include "daemoniker/policy/fd.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/policy/privileges.hpp"
#include "daemoniker/policy/pid.hpp"
#include "daemoniker/policy/redirect.hpp"

namespace daemoniker::detail {

// "has the member at all" and "has it with the right form" are separate so that the message
// says which of the two is wrong.
template <class P> concept has_validate = requires(P& p, const plan& pl) { p.validate(pl); };
template <class P> concept has_acquire = requires(P& p, const plan& pl) { p.acquire(pl); };
template <class P> concept has_abandon = requires(P& p, const plan& pl) { p.abandon(pl); };
template <class P> concept has_keep_until_exit = requires(P& p, const plan& pl) { p.keep_until_exit(pl); };
template <class P> concept has_reclaim = requires(P& p, const plan& pl) { p.reclaim(pl, 1LL); };
template <class P> concept has_sweep = requires(P& p, const plan& pl) { p.sweep(pl); };
template <class P> concept has_redirect = requires(P& p, const plan& pl) { p.redirect(pl); };
template <class P> concept has_is_setup = requires(const P& p) { p.is_setup(); };
template <class P> concept has_launch = requires(P& p, plan& pl, const stages& s) { p.launch(pl, s); };

#define DAEMONIKER_POLICY_DOC " — see docs/policies.md#"

// A model that declares `static constexpr bool posix_only = true;` cannot work on Windows:
// using it there is an error naming the platform and the model to use instead, rather than a
// no-op that reports success.
template <class P>
inline constexpr bool posix_only_v = requires { requires P::posix_only; };
#if defined(_WIN32)
inline constexpr bool on_windows = true;
#else
inline constexpr bool on_windows = false;
#endif

template <class P>
consteval bool check_pid_policy() {
  static_assert(has_validate<P>, "daemoniker: the PidPolicy has no member `daemoniker::step_status validate(const daemoniker::plan&)`" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(has_acquire<P>, "daemoniker: the PidPolicy has no member `daemoniker::step_status acquire(const daemoniker::plan&) noexcept`" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(has_abandon<P>, "daemoniker: the PidPolicy has no member `void abandon(const daemoniker::plan&) noexcept`" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(has_keep_until_exit<P>, "daemoniker: the PidPolicy has no member `void keep_until_exit(const daemoniker::plan&) noexcept`" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(has_reclaim<P>, "daemoniker: the PidPolicy has no member `void reclaim(const daemoniker::plan&, long long pid) noexcept`" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(!(has_validate<P> && has_acquire<P> && has_abandon<P> && has_keep_until_exit<P> && has_reclaim<P>) || pid_policy<P>,
                "daemoniker: the PidPolicy's members have the wrong form: acquire/abandon/keep_until_exit/reclaim must be noexcept (they run where nothing may throw) and validate/acquire must return daemoniker::step_status" DAEMONIKER_POLICY_DOC "pidpolicy");
  static_assert(!(on_windows && posix_only_v<P>), "daemoniker: this PidPolicy works on POSIX only, not on Windows (it declares posix_only)");
  return pid_policy<P>;
}


template <class P>
consteval bool check_redirect_policy() {
  static_assert(has_redirect<P>, "daemoniker: the RedirectPolicy has no member `daemoniker::step_status redirect(const daemoniker::plan&) noexcept`" DAEMONIKER_POLICY_DOC "redirectpolicy");
  static_assert(!has_redirect<P> || redirect_policy<P>, "daemoniker: the RedirectPolicy's redirect() must be noexcept and return daemoniker::step_status (it runs between fork() and confirmation, where nothing may throw)" DAEMONIKER_POLICY_DOC "redirectpolicy");
  static_assert(!(on_windows && posix_only_v<P>), "daemoniker: this RedirectPolicy works on POSIX only, not on Windows (it declares posix_only)");
  return redirect_policy<P>;
}

template <class P>
consteval bool check_fd_policy() {
  static_assert(has_sweep<P>, "daemoniker: the FdPolicy has no member `daemoniker::step_status sweep(const daemoniker::plan&) noexcept`" DAEMONIKER_POLICY_DOC "fdpolicy");
  static_assert(!has_sweep<P> || fd_policy<P>, "daemoniker: the FdPolicy's sweep() must be noexcept and return daemoniker::step_status (it runs right after fork(), where nothing may throw)" DAEMONIKER_POLICY_DOC "fdpolicy");
  static_assert(!(on_windows && posix_only_v<P>), "daemoniker: this FdPolicy works on POSIX only, not on Windows (it closes inherited file descriptors; a Windows daemon is created with only the handles daemoniker names): use no_sweep, the default on Windows");
  return fd_policy<P>;
}

template <class P>
consteval bool check_handoff_policy() {
  static_assert(has_is_setup<P>, "daemoniker: the HandoffPolicy has no member `bool is_setup() const noexcept`" DAEMONIKER_POLICY_DOC "handoffpolicy");
  static_assert(has_launch<P>, "daemoniker: the HandoffPolicy has no member `daemoniker::role launch(daemoniker::plan&, const daemoniker::stages&)`" DAEMONIKER_POLICY_DOC "handoffpolicy");
  static_assert(!(has_is_setup<P> && has_launch<P>) || handoff_policy<P>, "daemoniker: the HandoffPolicy's members have the wrong form: is_setup() must be const noexcept returning bool, launch() must return daemoniker::role" DAEMONIKER_POLICY_DOC "handoffpolicy");
  static_assert(!(on_windows && posix_only_v<P>), "daemoniker: this HandoffPolicy works on POSIX only, not on Windows (there is no fork() on Windows): use reexec_handoff, the default on Windows, or await_ready<> over it");
  return handoff_policy<P>;
}

// (The message is spelled out: basic_daemonizer's old static_assert said exactly this.)
template <class P>
consteval bool check_privilege_policy() {
  static_assert(privilege_policy<P>,
                "daemoniker: the PrivilegePolicy has no member `daemoniker::step_status "
                "prepare(daemoniker::plan&) const` — see docs/policies.md#privilegepolicy");
  static_assert(!(on_windows && posix_only_v<P>),
                "daemoniker: this PrivilegePolicy works on POSIX only, not on Windows (drop_privileges: "
                "users, groups, chroot and resource limits are POSIX's): run the daemon under a "
                "service account and use keep_privileges, the default");
  return privilege_policy<P>;
}

#undef DAEMONIKER_POLICY_DOC

}  // namespace daemoniker::detail
