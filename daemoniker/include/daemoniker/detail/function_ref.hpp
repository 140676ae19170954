// daemoniker/detail/function_ref.hpp — a non-owning, non-allocating reference to a callable,
// `function_ref<R(A...) noexcept>` or `function_ref<R(A...)>`. Calling it is async-signal-safe
// when the callee is, which is why the stages handed to a HandoffPolicy use it instead of
// std::function (which may allocate); the template hands its policies to the compiled core
// with it.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <memory>
#include <type_traits>
#include <utility>

namespace daemoniker::detail {

template <class Signature>
class function_ref;

template <class R, class... A>
class function_ref<R(A...) noexcept> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> &&
             std::is_nothrow_invocable_r_v<R, F&, A...>)
  function_ref(F& f) noexcept  // NOLINT(google-explicit-constructor): a reference, like a span
      : object_(std::addressof(f)),
        call_([](void* o, A... a) noexcept -> R {
          return (*static_cast<F*>(o))(std::forward<A>(a)...);
        }) {}

  R operator()(A... a) const noexcept { return call_(object_, std::forward<A>(a)...); }

 private:
  void* object_;
  R (*call_)(void*, A...) noexcept;
};

template <class R, class... A>
class function_ref<R(A...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, function_ref> &&
             std::is_invocable_r_v<R, F&, A...>)
  function_ref(F& f) noexcept  // NOLINT(google-explicit-constructor): a reference, like a span
      : object_(std::addressof(f)),
        call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(std::forward<A>(a)...); }) {}

  R operator()(A... a) const { return call_(object_, std::forward<A>(a)...); }

 private:
  void* object_;
  R (*call_)(void*, A...);
};

}  // namespace daemoniker::detail
