// How the invoking process ends (daemonize() and the Daemonizer context), and the error that
// try_daemonize() returns instead — one text for POSIX and Windows.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "daemoniker/src/messages.hpp"
#include "daemoniker/basic_daemonizer.hpp"
#if defined(_WIN32)
#include "windows/win32.hpp"
#else
#include <errno.h>  // program_invocation_short_name
#endif

namespace daemoniker::detail {

std::string program_name_for_messages() {
#if defined(_WIN32)
  return program_name();
#else
  return program_invocation_short_name;
#endif
}

daemonize_error make_error(const step_status& status, const plan& p) {
  daemonize_error e;
  e.step = step_name(status.failed);
  if (status.error != 0) {
#if defined(_WIN32)
    e.code = std::error_code(status.error, std::system_category());
#else
    e.code = std::error_code(status.error, std::generic_category());
#endif
  }
  e.message = failure_line(status, p, e.exit_status);
  return e;
}

void fail_invoker(const step_status& status, const plan& p) noexcept {
  // The invoking process is an ordinary process here (never between fork and exec), so
  // allocating and stdio are fine; if formatting throws, a shorter line still gets out.
  int exit_status = status.failed == step::options ? 2 : 1;
  try {
    const std::string line = failure_line(status, p, exit_status);
    std::fprintf(stderr, "%s: %s\n", program_name_for_messages().c_str(), line.c_str());
  } catch (...) {
    std::fprintf(stderr, "cannot daemonize (step %d, error %d)\n", static_cast<int>(status.failed),
                 status.error);
  }
  std::fflush(nullptr);
  std::_Exit(exit_status);
}

void leave_invoker(bool by_exception) noexcept {
  if (by_exception) {
    try {
      std::fprintf(stderr,
                   "%s: an exception left the Daemonizer's parent scope; exiting with status 2 "
                   "(the daemon keeps running; catch it inside `if (is_parent)` to handle it)\n",
                   program_name_for_messages().c_str());
    } catch (...) {
    }
  }
  std::fflush(nullptr);
  std::_Exit(by_exception ? 2 : 0);
}

}  // namespace daemoniker::detail
