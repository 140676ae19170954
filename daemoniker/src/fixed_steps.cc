// The fixed steps of daemonization that are not policies (src/fixed_steps.hpp).
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "daemoniker/src/fixed_steps.hpp"
#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {

// daemon(7) steps 2 and 3. Runs in the first child, right after fork(): async-signal-safe.
// The invoking process blocked every signal around fork(), so no handler inherited from it can
// run here before it is reset.
step_status reset_signals(const plan&) noexcept {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    // The seam also resets the real-time signals glibc reserves (32, 33); EINVAL remains
    // only for numbers that are no signal at all on this system.
    if (os::sigaction(sig, &dfl, nullptr) == -1 && errno != EINVAL) {
      return step_status::failure(step::signals, errno);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  if (os::sigprocmask(SIG_SETMASK, &none, nullptr) == -1) {
    return step_status::failure(step::signals, errno);
  }
  return {};
}

step_status apply_umask(const plan& p) noexcept {
  os::umask(static_cast<mode_t>(p.umask));  // cannot fail
  return {};
}

step_status change_directory(const plan& p) noexcept {
  if (retry_eintr([&] { return os::chdir(p.chdir.c_str()); }) == -1) {
    return step_status::failure(step::chdir, errno, p.chdir.c_str());
  }
  return {};
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
