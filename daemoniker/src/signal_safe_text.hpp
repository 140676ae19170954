// Async-signal-safe text building for messages made between fork() and confirmation: no
// malloc, no locale, no stdio. Private to daemoniker's .cc files.
#pragma once

#include <cstddef>

namespace daemoniker::detail {

/// Appends to a fixed buffer, always NUL-terminated, silently truncating.
class fixed_text {
 public:
  fixed_text(char* buffer, std::size_t capacity) noexcept : buf_(buffer), cap_(capacity) {
    if (cap_ > 0) buf_[0] = '\0';
  }
  fixed_text& add(const char* s) noexcept {
    while (s != nullptr && *s != '\0' && len_ + 1 < cap_) buf_[len_++] = *s++;
    if (cap_ > 0) buf_[len_] = '\0';
    return *this;
  }
  fixed_text& add(long long n) noexcept {
    char digits[24];
    int i = 0;
    unsigned long long u = n < 0 ? 0ULL - static_cast<unsigned long long>(n)
                                 : static_cast<unsigned long long>(n);
    do {
      digits[i++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u != 0);
    if (n < 0) digits[i++] = '-';
    char out[24];
    int j = 0;
    while (i > 0) out[j++] = digits[--i];
    out[j] = '\0';
    return add(out);
  }
  /// Adds `s`, or, when it is longer than `most` bytes, its start and its end around "…": a
  /// long path must not push the problem and the fix that follow it out of the buffer.
  fixed_text& add_elided(const char* s, std::size_t most) noexcept {
    std::size_t n = 0;
    while (s != nullptr && s[n] != '\0') ++n;
    if (n <= most) return add(s);
    const auto inside_a_character = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    std::size_t head = most / 2, tail = n - most / 2;  // cut between UTF-8 characters
    while (head > 0 && inside_a_character(s[head])) --head;
    while (tail < n && inside_a_character(s[tail])) ++tail;
    for (std::size_t i = 0; i < head && len_ + 1 < cap_; ++i) buf_[len_++] = s[i];
    if (cap_ > 0) buf_[len_] = '\0';
    return add("…").add(s + tail);
  }
  [[nodiscard]] const char* c_str() const noexcept { return buf_; }
  [[nodiscard]] std::size_t size() const noexcept { return len_; }
  [[nodiscard]] bool truncated() const noexcept { return len_ + 1 >= cap_; }

 private:
  char* buf_;
  std::size_t cap_;
  std::size_t len_ = 0;
};

/// Parses a pid file's content: one decimal number, optionally surrounded by blanks and a
/// newline ("1234\n"). 0 when it is anything else ("", "12abc", "-1", above `max`: beyond any
/// pid_max on Linux by default; Windows passes its DWORD range).
inline long long parse_pid(const char* s, std::size_t n, long long max = 0x3fffffffLL) noexcept {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  long long v = 0;
  std::size_t i = 0;
  while (i < n && blank(s[i])) ++i;
  const std::size_t start = i;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (v > max) return 0;
    v = v * 10 + (s[i] - '0');
  }
  if (i == start || v > max) return 0;
  while (i < n && blank(s[i])) ++i;
  return i == n ? v : 0;
}

/// The number a pid file starts with, as start-stop-daemon reads it — for files another tool
/// may have written ("1234\n", " 1234 extra"): blanks, then digits, anything after. 0 when it
/// does not start with a number from 1 to `max`. (Our own files are read with parse_pid.)
inline long long leading_pid(const char* s, std::size_t n, long long max = 0x3fffffffLL) noexcept {
  std::size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  long long v = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; ++i) {
    v = v * 10 + (s[i] - '0');
    if (v > max) return 0;
  }
  return v;
}

}  // namespace daemoniker::detail
