#include "daemoniker/cli/parse.hpp"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>

namespace daemoniker::cli {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text, std::string& error) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  long long multiplier = 0;
  if (unit.empty() || unit == "s") multiplier = 1000;
  else if (unit == "ms") multiplier = 1;
  else if (unit == "m" || unit == "min") multiplier = 60'000;
  else if (unit == "h") multiplier = 3'600'000;
  if (digits == 0 || digits > 9 || multiplier == 0) {
    error = "'" + text + "' is not a duration: give a whole number with an optional unit, such "
            "as 30s, 500ms, 2m or 1h";
    return std::nullopt;
  }
  const long long value = std::stoll(text.substr(0, digits)) * multiplier;
  if (value <= 0) {
    error = "'" + text + "' is not a positive duration";
    return std::nullopt;
  }
  return std::chrono::milliseconds(value);
}

std::optional<unsigned> parse_umask(const std::string& text, std::string& error) {
  const bool octal = !text.empty() && text.size() <= 4 &&
                     std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
  if (!octal) {
    error = "'" + text + "' is not an octal mode: give one such as 027 or 0022 (at most 0777)";
    return std::nullopt;
  }
  const unsigned value = static_cast<unsigned>(std::stoul(text, nullptr, 8));
  if (value > 0777) {
    error = "'" + text + "' is out of range: a umask is at most 0777";
    return std::nullopt;
  }
  return value;
}

std::optional<int> parse_signal(const std::string& text, std::string& error) {
  if (all_digits(text)) {
    const int n = text.size() <= 3 ? std::stoi(text) : -1;
    if (n > 0 && n < NSIG) return n;
  } else {
    std::string name = upper(text);
    if (name.rfind("SIG", 0) == 0) name = name.substr(3);
    for (int sig = 1; sig < NSIG; ++sig) {
      const char* abbrev = ::sigabbrev_np(sig);
      if (abbrev != nullptr && name == abbrev) return sig;
    }
  }
  error = "'" + text + "' is not a signal: give a name such as TERM, HUP, KILL, or a number";
  return std::nullopt;
}

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(signal);
}

std::optional<std::vector<schedule_step>> parse_schedule(const std::string& text, int signal,
                                                         std::string& error) {
  std::vector<schedule_step> steps;
  if (all_digits(text)) {  // a lone timeout
    if (text.size() > 9) {
      error = "--retry '" + text + "': timeout " + text + " is too large";
      return std::nullopt;
    }
    const auto t = std::chrono::seconds(std::stoll(text));
    return std::vector<schedule_step>{{schedule_step::send, signal, {}},
                                      {schedule_step::wait, 0, t},
                                      {schedule_step::send, SIGKILL, {}},
                                      {schedule_step::wait, 0, t}};
  }
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t slash = text.find('/', at);
    const std::string item = text.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
    if (item == "forever") {
      steps.push_back({schedule_step::forever, 0, {}});
    } else if (all_digits(item)) {
      if (item.size() > 9) {
        error = "--retry '";
        error += text;
        error += "': timeout ";
        error += item;
        error += " is too large";
        return std::nullopt;
      }
      steps.push_back({schedule_step::wait, 0, std::chrono::seconds(std::stoll(item))});
    } else {
      std::string sub;
      const auto sig = parse_signal(item.rfind('-', 0) == 0 ? item.substr(1) : item, sub);
      if (!sig) {
        error = "--retry '";
        error += text;
        error += "': ";
        error += sub;
        error += "; a schedule alternates signals and timeouts in seconds, such as TERM/30/KILL/5";
        return std::nullopt;
      }
      steps.push_back({schedule_step::send, *sig, {}});
    }
    if (slash == std::string::npos) break;
    at = slash + 1;
  }
  if (steps.empty() || steps.front().kind != schedule_step::send) {
    error = "--retry '" + text + "': a schedule starts with a signal, such as TERM/30/KILL/5";
    return std::nullopt;
  }
  return steps;
}

std::string schedule_text(const std::vector<schedule_step>& steps) {
  std::string out;
  for (const auto& s : steps) {
    if (!out.empty()) out += "/";
    if (s.kind == schedule_step::send) {
      const std::string name = signal_name(s.signal);
      out += name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
    }
    if (s.kind == schedule_step::wait) out += std::to_string(s.timeout.count());
    if (s.kind == schedule_step::forever) out += "forever";
  }
  return out;
}

}  // namespace daemoniker::cli
