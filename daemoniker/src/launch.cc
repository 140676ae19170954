// The sequence every basic_daemonizer runs, compiled once (the template only type-erases its
// policies into detail::policy_calls). daemon(7) order: sweep fds, reset signals, fork, setsid,
// fork, umask, chdir, stdio, pid file, credentials (the pid file given up if they fail),
// confirm. The sweep and the signal reset run in the first child rather than in the invoking
// process, so that the invoking process keeps its fds and handlers for the Daemonizer's parent
// branch; the daemon sees the same result.
#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/src/fixed_steps.hpp"

namespace daemoniker::detail {
namespace {

// Runs the steps in order and stops at the first failure. Async-signal-safe when they are.
template <class... Step>
step_status run_in_order(const plan& p, Step&&... step) noexcept {
  step_status status;
  (void)((status = step(p), status.ok()) && ...);
  return status;
}

// The credentials are the one step after the pid file: when they fail, the file just taken is
// given up. A forked daemon exits next and would leave it to be reclaimed; a process settling in
// the foreground carries on, and must not go on holding it.
step_status credentials_or_abandon(const plan& p, const policy_calls& calls) noexcept {
  const step_status s = apply_credentials(p);
  if (!s.ok()) calls.abandon(p);
  return s;
}

// In the original process: the plan, and the policies' checks before anything forks. A
// re-launched daemon skips this: its plan crosses over from the invoking process.
step_status prepare_plan(const std::filesystem::path& pid_file, const options& opts,
                         const policy_calls& calls, plan& p) {
  if (auto s = make_plan(pid_file, opts, p); !s.ok()) return s;
  p.keeps_caller_stdio = calls.keeps_caller_stdio;
  if (auto s = calls.validate(p); !s.ok()) return s;
  return calls.prepare(p);
}

}  // namespace

role launch(const std::filesystem::path& pid_file, const options& opts, const policy_calls& calls,
            std::string_view payload, function_ref<step_status(std::string_view) noexcept> accept,
            plan& p, step_status& failure) {
  if (calls.is_setup) {
    if (auto s = prepare_plan(pid_file, opts, calls, p); !s.ok()) {
      failure = s;
      return role::failed;
    }
  }
  auto scrub = [&calls](const plan& q) noexcept {
    return run_in_order(q, calls.sweep, reset_signals);
  };
  auto settle = [&calls](const plan& q) noexcept {
    if (auto s = run_in_order(q, apply_umask, change_directory, calls.redirect, calls.acquire);
        !s.ok()) {
      return s;
    }
    return credentials_or_abandon(q, calls);
  };
  // Out of the environment while the attempt runs (neither a re-launched daemon nor the
  // daemon's children may take them for theirs); back for the caller if it fails.
  const listen_variables activation = take_listen_variables(p);
  const role r = calls.launch(
      p, stages{scrub, settle, calls.abandon, calls.reclaim, payload, accept, false, &failure});
  if (r == role::failed) give_back(activation);
  if (r == role::daemon) {
    calls.keep_until_exit(p);
    adopt_listen_fds(p);
    finish_credentials(p);
  }
  return r;
}

}  // namespace daemoniker::detail
