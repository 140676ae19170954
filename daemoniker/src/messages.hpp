// daemoniker/src/messages.hpp — how a failure is told to a person (src/messages.cc). Private.
#pragma once

#include <chrono>
#include <string>

#include "daemoniker/plan.hpp"

namespace daemoniker::detail {

/// The one-line, human-readable description of a failure, naming the step, path, errno text
/// and the fix. Used by the invoking process (allocates).
std::string describe(const step_status& status, const plan& p);
/// The name of a step, as messages say it ("pid file", "fork", ...).
const char* step_name(step s) noexcept;
/// The line daemonize() prints for a failure (without the program's name), and its exit status:
/// "cannot daemonize: <describe>" with 2 for invalid options and 1 otherwise, or, when the
/// program rejected its start, "the daemon (pid N) could not start: <message>" with its code.
std::string failure_line(const step_status& status, const plan& p, int& exit_status);
/// "30 s", "0.3 s": a timeout, for messages.
std::string seconds_text(std::chrono::milliseconds ms);

}  // namespace daemoniker::detail
