// Parsing of the daemoniker command's values: durations ("30s", "500ms", "2m"), octal umasks,
// signal names ("TERM", "SIGHUP", "9") and start-stop-daemon's retry schedules
// ("TERM/30/KILL/5", "5", "forever"). Each parser returns nothing and an error message naming
// the value and the expected form on bad input.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace daemoniker::cli {

/// "30", "30s", "500ms", "2m", "1h" (a bare number is seconds).
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text, std::string& error);

/// "027", "0027", "22" — octal, at most 0777.
std::optional<unsigned> parse_umask(const std::string& text, std::string& error);

/// "TERM", "SIGTERM", "term", "15".
std::optional<int> parse_signal(const std::string& text, std::string& error);

/// The name of a signal, "SIGTERM" (or "signal 42").
std::string signal_name(int signal);

/// One step of a stop schedule: send a signal, or wait (a negative wait means forever: repeat
/// the schedule from the start).
struct schedule_step {
  enum kind_t { send, wait, forever } kind;
  int signal = 0;
  std::chrono::seconds timeout{0};
};

/// start-stop-daemon's --retry: "signal/timeout/signal/timeout..." where a signal is a name or
/// -number, a timeout is seconds, and "forever" repeats the rest; a lone timeout N means
/// "<signal>/N/KILL/N" with `signal` (from --signal).
std::optional<std::vector<schedule_step>> parse_schedule(const std::string& text, int signal,
                                                         std::string& error);

/// The schedule back as text, for messages.
std::string schedule_text(const std::vector<schedule_step>& steps);

}  // namespace daemoniker::cli
