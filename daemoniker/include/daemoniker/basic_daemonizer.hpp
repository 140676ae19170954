// daemoniker/basic_daemonizer.hpp — the spec's `Daemonizer`, composed of five policies.
//
//     daemoniker::daemonizer ctx;
//     if (ctx.is_setup()) {
//       // runs once, in the original process, before daemonization
//     }
//     auto [is_parent, port, name] = ctx("app.pid", {.chdir = "/"}, port, name);
//     if (is_parent) {
//       // runs once, in the invoking process, after the daemon confirmed startup;
//       // port and name are value-initialized here (the spec's None)
//     }
//     // when ctx is destroyed in the invoking process it ends with _exit(0) (or _exit(2) when
//     // the scope is left by an exception); in the daemon nothing happens and it continues.
//
// The template only sequences the policies; every system call lives in a .cc file behind one
// seam (daemoniker/src/sys.hpp).
#pragma once

#include "daemoniker/detail/config.hpp"

#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "daemoniker/detail/policy_checks.hpp"
#include "daemoniker/fwd.hpp"
#include "daemoniker/options.hpp"
#include "daemoniker/plan.hpp"
#include "daemoniker/policy/fd.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/policy/pid.hpp"
#include "daemoniker/policy/privileges.hpp"
#include "daemoniker/policy/redirect.hpp"
#include "daemoniker/result.hpp"
#if defined(_WIN32)
#include "daemoniker/policy/reexec.hpp"  // the default handoff on Windows
#endif

// The static_assert message must be a literal; it is used twice below.
#define DAEMONIKER_NO_PRESERVED_OPTIONS                                                       \
  "daemoniker: a daemoniker::options value cannot be preserved as an argument; pass the " \
  "options right after the pid file, once"

namespace daemoniker {

namespace detail {
/// One basic_daemonizer's policies, as the compiled core calls them (src/launch.cc).
struct policy_calls {
  bool is_setup;            ///< HandoffPolicy::is_setup()
  bool keeps_caller_stdio;  ///< RedirectPolicy::keeps_caller_stdio, when it says so
  function_ref<step_status(const plan&)> validate;                   ///< PidPolicy
  function_ref<step_status(plan&)> prepare;                          ///< PrivilegePolicy
  function_ref<step_status(const plan&) noexcept> sweep;             ///< FdPolicy
  function_ref<step_status(const plan&) noexcept> redirect;          ///< RedirectPolicy
  function_ref<step_status(const plan&) noexcept> acquire;           ///< PidPolicy
  function_ref<void(const plan&) noexcept> abandon;                  ///< PidPolicy
  function_ref<void(const plan&, long long) noexcept> reclaim;       ///< PidPolicy
  function_ref<void(const plan&) noexcept> keep_until_exit;          ///< PidPolicy
  function_ref<role(plan&, const stages&)> launch;                   ///< HandoffPolicy
};

/// The sequence, daemon(7)'s order (src/launch.cc): resolve the plan, validate, prepare, then
/// the handoff with the fixed steps around the policies' — and, in the daemon, what follows
/// confirmation. Returns the side the caller is on; `failure` says what failed.
role launch(const std::filesystem::path& pid_file, const options& opts, const policy_calls& calls,
            std::string_view payload, function_ref<step_status(std::string_view) noexcept> accept,
            plan& p, step_status& failure);

/// Prints "<program>: " and failure_line() to stderr and _exits with its status (2 for
/// step::options, 1 otherwise, the program's code when it rejected its start). Only ever
/// called in the invoking process.
[[noreturn]] void fail_invoker(const step_status& status, const plan& p) noexcept;
/// The error try_daemonize() returns for `status` (src/invoker.cc).
daemonize_error make_error(const step_status& status, const plan& p);
/// Ends the invoking process after the daemon confirmed: flushes stdio, _exit(0), or _exit(2)
/// with a message when `by_exception`.
[[noreturn]] void leave_invoker(bool by_exception) noexcept;

template <class T>
inline constexpr bool is_options_v = std::is_same_v<std::remove_cvref_t<T>, options>;

}  // namespace detail

template <class PidPolicy, class RedirectPolicy, class FdPolicy, class HandoffPolicy,
          class PrivilegePolicy>
class basic_daemonizer {
  static_assert(detail::check_pid_policy<PidPolicy>());
  static_assert(detail::check_redirect_policy<RedirectPolicy>());
  static_assert(detail::check_fd_policy<FdPolicy>());
  static_assert(detail::check_handoff_policy<HandoffPolicy>());
  static_assert(detail::check_privilege_policy<PrivilegePolicy>());

 public:
  using pid_policy_type = PidPolicy;
  using redirect_policy_type = RedirectPolicy;
  using fd_policy_type = FdPolicy;
  using handoff_policy_type = HandoffPolicy;
  using privilege_policy_type = PrivilegePolicy;

  basic_daemonizer() = default;
  /// Uses these policy objects (for policies that carry configuration).
  explicit basic_daemonizer(PidPolicy pid, RedirectPolicy redirect = {}, FdPolicy fd = {},
                            HandoffPolicy handoff = {}, PrivilegePolicy privileges = {})
      : pid_(std::move(pid)), redirect_(std::move(redirect)), fd_(std::move(fd)),
        handoff_(std::move(handoff)), privileges_(std::move(privileges)) {}

  // A scope guard: it decides how the invoking process ends, so it is neither copied nor moved.
  basic_daemonizer(const basic_daemonizer&) = delete;
  basic_daemonizer& operator=(const basic_daemonizer&) = delete;

  /// In the invoking process, after the daemon confirmed: ends the process with _exit(0), or
  /// _exit(2) after a message when the scope is left by an exception (static destructors and
  /// atexit handlers belong to the daemon and never run twice). Elsewhere: nothing.
  ~basic_daemonizer() {
    if (daemon_pid_ != 0) detail::leave_invoker(std::uncaught_exceptions() > exceptions_);
  }

  /// True in the process that set up daemonization: always on POSIX; false in the process that
  /// a re-launching handoff (Windows) started, where the setup code must not run again.
  [[nodiscard]] bool is_setup() const noexcept { return handoff_.is_setup(); }

  /// Daemonizes with default options. Returns (is_parent, args...): in the invoking process
  /// (true, value-initialized args...) once the daemon confirmed startup; in the daemon
  /// (false, args...). On failure the invoking process prints why and exits non-zero.
  template <class First, class... Rest>
    requires(!detail::is_options_v<First>)
  std::tuple<bool, std::decay_t<First>, std::decay_t<Rest>...> operator()(
      const std::filesystem::path& pid_file, First&& first, Rest&&... rest) {
    return (*this)(pid_file, options{}, std::forward<First>(first), std::forward<Rest>(rest)...);
  }
  std::tuple<bool> operator()(const std::filesystem::path& pid_file) {
    return (*this)(pid_file, options{});
  }

  /// As above, with options.
  template <class... Args>
  std::tuple<bool, std::decay_t<Args>...> operator()(const std::filesystem::path& pid_file,
                                                     const options& opts, Args&&... args) {
    static_assert(!(detail::is_options_v<Args> || ...), DAEMONIKER_NO_PRESERVED_OPTIONS);
    static_assert((std::is_default_constructible_v<std::decay_t<Args>> && ...),
                  "daemoniker: in the invoking process the Daemonizer returns value-initialized "
                  "args (the spec's None), so every preserved type must be default-constructible; "
                  "wrap it in std::optional, or use daemonize(), which never returns there");
    auto o = run(pid_file, opts, std::forward<Args>(args)...);
    if (o.r == role::failed) detail::fail_invoker(o.failure, o.p);
    if (o.r == role::invoker) return {true, std::decay_t<Args>{}...};  // daemon_pid_ marks it
    return std::tuple_cat(std::tuple<bool>(false), std::move(*o.values));
  }

  /// The spec's daemonize(): returns (args...) in the daemon only; the invoking process exits
  /// 0 once the daemon confirmed startup, non-zero with a message otherwise.
  template <class... Args>
  std::tuple<std::decay_t<Args>...> daemonize(const std::filesystem::path& pid_file,
                                              const options& opts, Args&&... args) {
    static_assert(!(detail::is_options_v<Args> || ...), DAEMONIKER_NO_PRESERVED_OPTIONS);
    auto o = run(pid_file, opts, std::forward<Args>(args)...);
    if (o.r == role::failed) detail::fail_invoker(o.failure, o.p);
    if (o.r == role::invoker) detail::leave_invoker(false);
    return std::move(*o.values);
  }

  /// daemonize() that never ends the invoking process: the result is false after a failure
  /// (everything the attempt started is gone; error() says what failed), true in the invoking
  /// process once the daemon confirmed (daemon_pid()) and in the daemon (values()). After a
  /// failure in the foreground the caller has back its umask, working directory and stdio, and
  /// no pid file — but not what a failing drop_privileges applied (docs/api.md).
  template <class... Args>
  daemonize_result<std::decay_t<Args>...> try_daemonize(const std::filesystem::path& pid_file,
                                                        const options& opts, Args&&... args) {
    static_assert(!(detail::is_options_v<Args> || ...), DAEMONIKER_NO_PRESERVED_OPTIONS);
    using result = daemonize_result<std::decay_t<Args>...>;
    auto o = run(pid_file, opts, std::forward<Args>(args)...);
    if (o.r == role::failed) return result::failed(detail::make_error(o.failure, o.p));
    if (o.r == role::invoker) {
      const long long pid = daemon_pid();
      daemon_pid_ = 0;  // the caller goes on: this object must not end the process
      return result::in_invoker(pid);
    }
    return result::in_daemon(std::move(*o.values));
  }

  /// In the invoking process, once the daemon confirmed: the daemon's pid, as the handoff
  /// knows it (never re-read from the pid file, which another starter may have replaced).
  /// 0 elsewhere, and for a user-written HandoffPolicy that does not set plan::daemon_pid.
  [[nodiscard]] long long daemon_pid() const noexcept { return daemon_pid_ > 0 ? daemon_pid_ : 0; }

  /// The policies, for their state (named apart from the concepts pid_policy, ...).
  PidPolicy& pid() noexcept { return pid_; }
  RedirectPolicy& redirect() noexcept { return redirect_; }
  FdPolicy& fds() noexcept { return fd_; }
  HandoffPolicy& handoff() noexcept { return handoff_; }
  PrivilegePolicy& privileges() noexcept { return privileges_; }

 private:
  // Where the caller is after daemonizing, the plan (with the failure, if any), and in the
  // daemon the preserved values.
  template <class... T>
  struct outcome {
    role r = role::failed;
    plan p;
    step_status failure;  // role::failed: what failed
    std::optional<std::tuple<T...>> values;
  };

  // With fork() the preserved values are the caller's own, moved; with a re-launching handoff
  // they crossed as bytes.
  template <class... Args>
  outcome<std::decay_t<Args>...> run(const std::filesystem::path& pid_file, const options& opts,
                                     Args&&... args) {
    using values = std::tuple<std::decay_t<Args>...>;
    outcome<std::decay_t<Args>...> o;
    if constexpr (relaunches_v<HandoffPolicy>) {
      std::optional<values> received;
      const std::string outgoing = is_setup() ? encode_payload(args...) : std::string();
      auto accept = [&received](std::string_view bytes) noexcept -> step_status {
        try {
          std::string error;
          received = decode_payload<std::decay_t<Args>...>(bytes, error);
          if (!received) return step_status::failure(step::handoff, 0, error.c_str());
          return {};
        } catch (...) {
          return step_status::failure(step::handoff, ENOMEM, "decoding the preserved arguments");
        }
      };
      o.r = launch(pid_file, opts, outgoing, accept, o.p, o.failure);
      if (o.r == role::daemon) o.values = std::move(received);
    } else {
      auto unused = [](std::string_view) noexcept -> step_status { return {}; };
      o.r = launch(pid_file, opts, {}, unused, o.p, o.failure);
      if (o.r == role::daemon) o.values.emplace(std::forward<Args>(args)...);
    }
    return o;
  }

  // The policies, type-erased for the compiled core (detail::launch), which sequences them.
  role launch(const std::filesystem::path& pid_file, const options& opts,
              std::string_view payload,
              detail::function_ref<step_status(std::string_view) noexcept> accept, plan& p,
              step_status& failure) {
    auto validate = [this](const plan& q) { return pid_.validate(q); };
    auto prepare = [this](plan& q) { return privileges_.prepare(q); };
    auto sweep = [this](const plan& q) noexcept { return fd_.sweep(q); };
    auto redirect = [this](const plan& q) noexcept { return redirect_.redirect(q); };
    auto acquire = [this](const plan& q) noexcept { return pid_.acquire(q); };
    auto abandon = [this](const plan& q) noexcept { pid_.abandon(q); };
    auto reclaim = [this](const plan& q, long long pid) noexcept { pid_.reclaim(q, pid); };
    auto keep = [this](const plan& q) noexcept { pid_.keep_until_exit(q); };
    auto handoff = [this](plan& q, const stages& st) { return handoff_.launch(q, st); };
    const detail::policy_calls calls{
        is_setup(), requires { requires RedirectPolicy::keeps_caller_stdio; },
        validate, prepare, sweep, redirect, acquire, abandon, reclaim, keep, handoff};
    const role r = detail::launch(pid_file, opts, calls, payload, accept, p, failure);
    // In the invoking process: the daemon's pid, or -1 when the handoff did not say.
    if (r == role::invoker) daemon_pid_ = p.daemon_pid > 0 ? static_cast<int>(p.daemon_pid) : -1;
    return r;
  }

  [[no_unique_address]] PidPolicy pid_{};
  [[no_unique_address]] RedirectPolicy redirect_{};
  [[no_unique_address]] FdPolicy fd_{};
  [[no_unique_address]] HandoffPolicy handoff_{};
  [[no_unique_address]] PrivilegePolicy privileges_{};
  int daemon_pid_ = 0;  ///< non-zero only in the invoking process, which it ends on destruction
  int exceptions_ = std::uncaught_exceptions();
};

}  // namespace daemoniker

#undef DAEMONIKER_NO_PRESERVED_OPTIONS
