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
// Fixed steps that are not policies (daemoniker/src/fixed_steps.cc). All async-signal-safe.
step_status reset_signals(const plan&) noexcept;
step_status apply_umask(const plan&) noexcept;
step_status change_directory(const plan&) noexcept;
/// The credentials in plan.identity (chroot, limits, groups, gid, uid), verified. Async-signal-safe.
step_status apply_credentials(const plan&) noexcept;
/// In the daemon, once daemonize() returns: the environment allow-list.
void finish_credentials(const plan&);
/// In the daemon: keep the sockets systemd passed, for listen_fds() (src/activation.cc).
void adopt_listen_fds(const plan&);

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

/// Runs the steps in order and stops at the first failure.
template <class... Step>
step_status run_in_order(const plan& p, Step&&... step) noexcept {
  step_status status;
  (void)((status = step(p), status.ok()) && ...);
  return status;
}
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
  /// process once the daemon confirmed (daemon_pid()) and in the daemon (values()).
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

  // The sequence. daemon(7) order: sweep fds, reset signals, fork, setsid, fork, umask, chdir,
  // stdio, pid file, confirm. The sweep and the signal reset run in the first child rather
  // than in the invoking process, so that the invoking process keeps its fds and handlers for
  // the Daemonizer's parent branch; the daemon sees the same result.
  role launch(const std::filesystem::path& pid_file, const options& opts,
              std::string_view payload,
              detail::function_ref<step_status(std::string_view) noexcept> accept, plan& p,
              step_status& failure) {
    if (is_setup()) {  // a re-launched daemon ignores its arguments: the plan crosses over
      auto refuse = [&failure](const step_status& s) {
        failure = s;
        return role::failed;
      };
      if (auto s = detail::make_plan(pid_file, opts, p); !s.ok()) return refuse(s);
      p.keep_caller_stdio = requires { requires RedirectPolicy::keeps_caller_stdio; };
      if (auto s = pid_.validate(p); !s.ok()) return refuse(s);
      if (auto s = privileges_.prepare(p); !s.ok()) return refuse(s);
    }

    auto scrub = [this](const plan& pl) noexcept {
      return detail::run_in_order(
          pl, [this](const plan& q) noexcept { return fd_.sweep(q); }, detail::reset_signals);
    };
    auto settle = [this](const plan& pl) noexcept {
      return detail::run_in_order(
          pl, detail::apply_umask, detail::change_directory,
          [this](const plan& q) noexcept { return redirect_.redirect(q); },
          [this](const plan& q) noexcept { return pid_.acquire(q); },
          detail::apply_credentials);
    };
    auto abandon = [this](const plan& pl) noexcept { pid_.abandon(pl); };
    auto reclaim = [this](const plan& pl, long long pid) noexcept { pid_.reclaim(pl, pid); };

    const role r =
        handoff_.launch(p, stages{scrub, settle, abandon, reclaim, payload, accept, false, &failure});
    // In the invoking process: the daemon's pid, or -1 when the handoff did not say.
    if (r == role::invoker) daemon_pid_ = p.daemon_pid > 0 ? static_cast<int>(p.daemon_pid) : -1;
    if (r == role::daemon) {
      pid_.keep_until_exit(p);
      detail::adopt_listen_fds(p);
      detail::finish_credentials(p);
    }
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
