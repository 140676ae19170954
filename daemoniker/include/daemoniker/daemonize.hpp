// daemoniker/daemonize.hpp — the spec's daemonize() as a free function.
//
//     int main() {
//       auto [port, name] = daemoniker::daemonize("app.pid", {.stdout_goto = "app.log"},
//                                                 8080, std::string("echo"));
//       // only the daemon gets here
//     }
//
// The invoking process never returns: it exits 0 once the daemon has confirmed startup
// (its pid file exists and is locked), or prints why it failed and exits non-zero (2 for
// invalid options, 1 for anything else). With a custom policy set, call the same member on
// your daemonizer: `my_daemonizer{}.daemonize(pid_file, opts, args...)`.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <filesystem>
#include <tuple>
#include <type_traits>
#include <utility>

#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/options.hpp"

namespace daemoniker {

/// Daemonizes with `opts`; returns the preserved `args` in the daemon.
template <class... Args>
std::tuple<std::decay_t<Args>...> daemonize(const std::filesystem::path& pid_file,
                                            const options& opts, Args&&... args) {
  return daemonizer{}.daemonize(pid_file, opts, std::forward<Args>(args)...);
}

/// Daemonizes with default options; returns the preserved `args` in the daemon.
template <class... Args>
  requires(!(detail::is_options_v<Args> || ...))
std::tuple<std::decay_t<Args>...> daemonize(const std::filesystem::path& pid_file,
                                            Args&&... args) {
  return daemonizer{}.daemonize(pid_file, options{}, std::forward<Args>(args)...);
}

/// daemonize() that never ends the invoking process: false after a failure, with error()
/// (step, code, message, exit status) — the caller can log it and carry on, for instance in
/// the foreground (a failure there gives it back its umask, directory and stdio); true in the
/// invoking process once the daemon confirmed (daemon_pid()) and in the daemon (values()). The
/// same parameters as daemonize(). See <daemoniker/result.hpp>.
template <class... Args>
daemonize_result<std::decay_t<Args>...> try_daemonize(const std::filesystem::path& pid_file,
                                                      const options& opts, Args&&... args) {
  return daemonizer{}.try_daemonize(pid_file, opts, std::forward<Args>(args)...);
}

/// try_daemonize() with default options.
template <class... Args>
  requires(!(detail::is_options_v<Args> || ...))
daemonize_result<std::decay_t<Args>...> try_daemonize(const std::filesystem::path& pid_file,
                                                      Args&&... args) {
  return daemonizer{}.try_daemonize(pid_file, options{}, std::forward<Args>(args)...);
}

}  // namespace daemoniker
