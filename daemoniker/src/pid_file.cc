// POSIX: inspecting a pid file from outside, and send() — the rules of identity.hpp.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <cerrno>
#include <optional>
#include <string>
#include <system_error>

#include "daemoniker/src/identity.hpp"
#include "daemoniker/src/send_refusal.hpp"
#include "daemoniker/pid_file.hpp"

namespace daemoniker {


pid_file_status inspect_pid_file(const std::filesystem::path& pid_file,
                                 const process_match& match) noexcept {
  return detail::examine(pid_file, match).status;
}

void send(const std::filesystem::path& pid_file, int signal, const process_match& match) {
  const detail::examined e = detail::examine(pid_file, match);
  const pid_file_status& st = e.status;
  const std::string where = "'" + pid_file.string() + "'";
  if (auto refusal = detail::send_refusal(st, where)) throw *refusal;
  if (const char* why = detail::forbidden_target(st.pid)) {
    throw std::system_error(EPERM, std::generic_category(),
                            "pid " + std::to_string(st.pid) + " from " + where +
                                " is its daemon, but " + why + "; not signalled");
  }
  const detail::pinned daemon = detail::pin_daemon(e, match);
  if (!daemon.valid()) {
    throw std::system_error(ESRCH, std::generic_category(),
                            "pid " + std::to_string(st.pid) + " from " + where +
                                " exited or changed while it was being verified; not signalled");
  }
  if (daemon.signal(signal) == -1) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot signal pid " + std::to_string(st.pid) + " (from " + where + ")");
  }
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
