// JSON output of the daemoniker command (`status --json`): string escaping and the status object.
#pragma once

#include <string>
#include <string_view>

#include <daemoniker/pid_file.hpp>

namespace daemoniker::cli {

/// `text` as a JSON string literal, quotes included (RFC 8259): `"` and `\` escaped, control
/// characters as \n, \t, ... or \u00XX, valid UTF-8 passed through as is, and each byte that is
/// not part of valid UTF-8 (a path is any bytes) replaced by U+FFFD, so the output always parses.
std::string json_string(std::string_view text);

/// The word for a state, as `status --json` gives it: "running", "stale", "absent",
/// "unreadable", "unverified".
const char* state_name(pid_file_state state) noexcept;

/// What `status --json` prints: one object on one line, newline-terminated —
///   {"pid_file": string (absolute), "state": string, "pid": number|null, "verified": bool,
///    "uptime_seconds": number|null, "lock_holders": [number...], "session": number|null,
///    "error": string|null}
/// `pid` is null when the file holds no pid, `uptime_seconds` unless verified, `session` unless
/// daemonization made the daemon's session, `error` when there is nothing to explain.
std::string status_json(const std::string& absolute_path, const pid_file_status& st);

}  // namespace daemoniker::cli
