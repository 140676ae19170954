// daemoniker/fwd.hpp — declarations of the daemonizer template, its default policies, the
// short aliases and the payload codec's entry points. Include this to name them without
// pulling in their definitions.
#pragma once

#include "daemoniker/detail/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace daemoniker {

struct options;
struct plan;
struct step_status;

struct locked_pid_file;
struct no_pid_file;
struct redirect_stdio;
struct inherit_stdio;
struct auto_sweep;
struct close_range_sweep;
struct proc_fd_sweep;
struct brute_force_sweep;
struct no_sweep;
struct fork_handoff;
struct reexec_handoff;
struct keep_privileges;
struct drop_privileges;

/// The handoff of the platform: fork() on POSIX; a re-launch of the program on Windows. And
/// the fd sweep: the best available on POSIX; none on Windows, where the daemon is created with
/// only the handles daemoniker names.
#if defined(_WIN32)
using default_handoff = reexec_handoff;
using default_fd_policy = no_sweep;
#else
using default_handoff = fork_handoff;
using default_fd_policy = auto_sweep;
#endif

/// The daemonizer, composed of policies (docs/policies.md). The defaults give the behaviour of
/// the spec's `Daemonizer`: a locked pid file, stdio to the *_goto paths or /dev/null, the
/// platform's fd sweep and handoff, and the caller's privileges.
template <class PidPolicy = locked_pid_file, class RedirectPolicy = redirect_stdio,
          class FdPolicy = default_fd_policy, class HandoffPolicy = default_handoff,
          class PrivilegePolicy = keep_privileges>
class basic_daemonizer;

/// The spec's `Daemonizer`: basic_daemonizer with every default.
using daemonizer = basic_daemonizer<>;

/// The preserved arguments as one frame of bytes, and back (nothing, and `error` says why, for
/// a frame that is not whole or not made for T...). basic_daemonizer names them for a
/// re-launching handoff; they are defined in daemoniker/serialize.hpp, which that handoff's
/// header (daemoniker/policy/reexec.hpp) includes.
template <class... T>
std::string encode_payload(const T&... values);
template <class... T>
std::optional<std::tuple<T...>> decode_payload(std::string_view bytes, std::string& error);

}  // namespace daemoniker
