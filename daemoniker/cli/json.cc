#include "daemoniker/cli/json.hpp"

#include <cstdio>

namespace daemoniker::cli {
namespace {

// The length of the valid UTF-8 sequence at text[i] (1 to 4), or 0: no overlong forms, no
// surrogates, nothing beyond U+10FFFF, no truncated sequence.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const auto in = [&](std::size_t k, unsigned lo, unsigned hi) { return at(k) >= lo && at(k) <= hi; };
  const unsigned c = at(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const bool second = in(1, c == 0xE0 ? 0xA0 : 0x80, c == 0xED ? 0x9F : 0xBF);
    return second && in(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const bool second = in(1, c == 0xF0 ? 0x90 : 0x80, c == 0xF4 ? 0x8F : 0xBF);
    return second && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

void append_escaped(std::string& out, char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (static_cast<unsigned char>(c) < 0x20) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
    out += hex;
  } else {
    out += c;
  }
}

std::string number_or_null(long long value, bool known) {
  return known ? std::to_string(value) : "null";
}

}  // namespace

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out += "\\ufffd";
      i += 1;
    } else if (n == 1) {
      append_escaped(out, text[i++]);
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out + "\"";
}

const char* state_name(pid_file_state state) noexcept {
  switch (state) {
    case pid_file_state::running: return "running";
    case pid_file_state::stale: return "stale";
    case pid_file_state::absent: return "absent";
    case pid_file_state::unreadable: return "unreadable";
    case pid_file_state::unverified: return "unverified";
  }
  return "unreadable";
}

std::string status_json(const std::string& absolute_path, const pid_file_status& st) {
  std::string holders;
  for (const long long pid : st.lock_holders) holders += (holders.empty() ? "" : ",") + std::to_string(pid);
  return "{\"pid_file\":" + json_string(absolute_path) +                              //
         ",\"state\":" + json_string(state_name(st.state)) +                          //
         ",\"pid\":" + number_or_null(st.pid, st.pid > 0) +                           //
         ",\"verified\":" + (st.verified ? "true" : "false") +                        //
         ",\"uptime_seconds\":" + number_or_null(st.uptime.count(), st.verified) +    //
         ",\"lock_holders\":[" + holders + "]" +                                      //
         ",\"session\":" + number_or_null(st.session, st.session != 0) +              //
         ",\"error\":" + (st.error.empty() ? std::string("null") : json_string(st.error)) + "}\n";
}

}  // namespace daemoniker::cli
