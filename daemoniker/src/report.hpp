// daemoniker/src/report.hpp — the channels between the invoking process and its daemon, and
// the daemon's reports on them. The reports are written once (src/report.cc) over a few
// primitives each OS supplies (src/channel_posix.cc, src/windows/channel.cc). Private.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wire.hpp"

namespace daemoniker::detail {

/// One end of a channel: a file descriptor on POSIX, a HANDLE's value on Windows.
using channel = std::intptr_t;

// --- what each OS supplies; async-signal-safe on POSIX -----------------------------------------

/// Writes all `n` bytes; false when the reader is gone (EPIPE, never SIGPIPE) or on error.
bool write_all(channel c, const void* data, std::size_t n) noexcept;
/// Blocking read of what is there: the count, 0 at EOF (the writer closed), -1 on error.
long read_some(channel c, void* data, std::size_t n) noexcept;
/// Closes `c`.
void close_channel(channel c) noexcept;
/// True when `c` is an open channel of the kind the launcher makes: a socket above stdio
/// (POSIX), a pipe that is not a standard handle (Windows).
bool channel_is_open(channel c) noexcept;
/// True when `c` was made by a process with this one's rights (POSIX: the socket's creator has
/// this process's effective uid), so that nobody less privileged can hand a set-user-ID
/// program a plan. (Windows has no set-user-ID programs: always true.)
bool made_by_peer_of_ours(channel c) noexcept;
/// Keeps `c` from the processes this one starts (close-on-exec; not inheritable).
void keep_from_children(channel c) noexcept;
/// This process's pid.
std::int64_t own_pid() noexcept;

// --- written once (src/report.cc); async-signal-safe on POSIX ----------------------------------

/// Sends one record.
bool send_record(channel c, const record& r) noexcept;
/// Blocking read of one whole record; false on EOF or error (the caller checks its magic).
bool receive_record(channel c, record& r) noexcept;
/// Reports `s` on `c` and exits 1 (the daemon's side of a failed step).
[[noreturn]] void report_and_exit(channel c, const step_status& s) noexcept;
/// Confirms on `c` with this process's pid; false when nobody received it.
bool confirm_on(channel c) noexcept;
/// In a daemon whose confirmation is deferred (await_ready): notify_ready() and friends report
/// on `c` (src/confirmation.hpp).
void defer_confirmation(channel c) noexcept;

}  // namespace daemoniker::detail
