// daemoniker/compose.hpp — name only the policies you change, in any order.
//
//     using quiet = daemoniker::daemonizer_with<daemoniker::no_pid_file, daemoniker::proc_fd_sweep>;
//     // == basic_daemonizer<no_pid_file, redirect_stdio, proc_fd_sweep, fork_handoff>
//
// Each policy is put in its slot by the concept it models (pid_policy, redirect_policy,
// fd_policy, handoff_policy, privilege_policy); slots not named keep their default. A type that models no family,
// or two, and two policies for one slot, are compile errors that say so.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <boost/hana/count_if.hpp>
#include <boost/hana/find_if.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/optional.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include "daemoniker/basic_daemonizer.hpp"

namespace daemoniker {

namespace detail {
namespace hana = boost::hana;

template <class T>
inline constexpr int families_modelled =
    int{pid_policy<T>} + int{redirect_policy<T>} + int{fd_policy<T>} + int{handoff_policy<T>} +
    int{privilege_policy<T>};

inline constexpr auto models_pid = [](auto t) {
  return hana::bool_c<pid_policy<typename decltype(t)::type>>;
};
inline constexpr auto models_redirect = [](auto t) {
  return hana::bool_c<redirect_policy<typename decltype(t)::type>>;
};
inline constexpr auto models_fd = [](auto t) {
  return hana::bool_c<fd_policy<typename decltype(t)::type>>;
};
inline constexpr auto models_handoff = [](auto t) {
  return hana::bool_c<handoff_policy<typename decltype(t)::type>>;
};
inline constexpr auto models_privileges = [](auto t) {
  return hana::bool_c<privilege_policy<typename decltype(t)::type>>;
};

template <class... Policies>
struct compose {
  static_assert(((families_modelled<Policies> == 1) && ...),
                "daemoniker::daemonizer_with: every argument must model exactly one of "
                "pid_policy, redirect_policy, fd_policy, handoff_policy, privilege_policy — see "
                "docs/policies.md "
                "(use basic_daemonizer<Pid, Redirect, Fd, Handoff, Privilege> for a type that models "
                "several)");

  static constexpr auto given = hana::tuple_t<Policies...>;

  template <class Models, class Default>
  static constexpr auto slot(Models models, Default fallback) {
    static_assert(decltype(hana::count_if(given, models))::value <= 1,
                  "daemoniker::daemonizer_with: two policies were given for the same slot");
    return hana::find_if(given, models).value_or(fallback);
  }

  using type = basic_daemonizer<
      typename decltype(slot(models_pid, hana::type_c<locked_pid_file>))::type,
      typename decltype(slot(models_redirect, hana::type_c<redirect_stdio>))::type,
      typename decltype(slot(models_fd, hana::type_c<default_fd_policy>))::type,
      typename decltype(slot(models_handoff, hana::type_c<default_handoff>))::type,
      typename decltype(slot(models_privileges, hana::type_c<keep_privileges>))::type>;
};
}  // namespace detail

/// basic_daemonizer with the given policies in their slots and the defaults elsewhere.
template <class... Policies>
using daemonizer_with = typename detail::compose<Policies...>::type;

}  // namespace daemoniker
