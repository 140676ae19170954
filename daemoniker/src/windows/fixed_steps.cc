// Windows: the fixed steps, and the policies that have nothing to do. umask, shielded_fds and fd_fallback_limit are accepted and unused, as in the spec.
#if defined(_WIN32)
#include <cstdio>
#include <cstdlib>

#include "daemoniker/src/fixed_steps.hpp"
#include "daemoniker/basic_daemonizer.hpp"
#include "win32.hpp"

namespace daemoniker {
namespace detail {

// A re-launched daemon is a fresh process: no inherited handlers, nothing to reset.
step_status reset_signals(const plan&) noexcept { return {}; }
step_status apply_umask(const plan&) noexcept { return {}; }

step_status change_directory(const plan& p) noexcept {
  if (!::SetCurrentDirectoryW(p.chdir.c_str())) {
    return win32_failure(step::chdir, ::GetLastError(), p.chdir);
  }
  return {};
}

}  // namespace detail

// The standard handles are set when the daemon is created (src/windows/handoff.cc opens the
// *_goto targets, or passes the caller's own for inherit_stdio), so the C runtime's fds 0-2,
// C++ streams and the daemon's child processes all use them from the first instruction.
step_status redirect_stdio::redirect(const plan&) const noexcept { return {}; }
step_status inherit_stdio::redirect(const plan&) const noexcept { return {}; }

}  // namespace daemoniker

#endif  // defined(_WIN32)
