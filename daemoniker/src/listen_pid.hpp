// daemoniker/src/listen_pid.hpp — whether systemd's socket-activation variables are meant for
// this process: one rule for the library and the command (src/activation.cc). Private.
#pragma once

namespace daemoniker::detail {

/// True when LISTEN_PID is set to this process's pid as sd_listen_fds(3) reads it: a whole
/// decimal number ("123abc" is not pid 123). Always false on Windows.
bool listen_pid_is_ours() noexcept;

}  // namespace daemoniker::detail
