// Why send() refuses, one text for POSIX and Windows (src/pid_file.cc, src/windows/signals.cc).
#include <cerrno>
#include <optional>
#include <string>
#include <system_error>

#include "daemoniker/src/send_refusal.hpp"

namespace daemoniker::detail {

std::optional<std::system_error> send_refusal(const pid_file_status& st, const std::string& where) {
  switch (st.state) {
    case pid_file_state::absent:
      return std::system_error(ENOENT, std::generic_category(), "not running: no pid file " + where);
    case pid_file_state::stale:
      return std::system_error(ESRCH, std::generic_category(),
                               "not running: the pid file " + where + " is stale (pid " +
                                   std::to_string(st.pid) + " is not its daemon; not signalled)");
    case pid_file_state::unreadable:
      return std::system_error(EIO, std::generic_category(), st.error);
    case pid_file_state::unverified:
    case pid_file_state::running:
      break;
  }
  if (!st.verified) return std::system_error(EPERM, std::generic_category(), st.error + "; not signalled");
  return std::nullopt;
}

}  // namespace daemoniker::detail
