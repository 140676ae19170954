// daemoniker/src/send_refusal.hpp — why send() refuses to signal, one text for POSIX and
// Windows (src/send_refusal.cc). Private.
#pragma once

#include <optional>
#include <string>
#include <system_error>

#include "daemoniker/pid_file.hpp"

namespace daemoniker::detail {

/// The error send() throws for a pid file in state `st` (`where` names it, quoted), or nothing
/// when the state lets it signal.
std::optional<std::system_error> send_refusal(const pid_file_status& st, const std::string& where);

}  // namespace daemoniker::detail
