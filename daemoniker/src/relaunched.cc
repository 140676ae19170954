// The re-launched daemon of reexec_handoff, the same on POSIX and Windows: find the two
// channels DAEMONIKER_HANDOFF names, take the plan and the preserved arguments from one, settle,
// and confirm on the other.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "daemoniker/policy/reexec.hpp"
#include "daemoniker/src/messages.hpp"
#include "daemoniker/src/relaunch.hpp"

namespace daemoniker {
namespace detail {
namespace {

constexpr std::size_t kMaxHandoff = std::size_t{256} << 20;  // 256 MiB of arguments is a bug

// Read before main() runs: the variable is removed as soon as the daemon has read its handoff,
// so asking later would give the wrong answer.
[[maybe_unused]] const bool kEvaluatedEarly = started_relaunched();

[[noreturn]] void handoff_unusable() noexcept {
  std::fprintf(stderr,
               "%s: daemoniker: %s is set, but it does not name open channels; it is set only "
               "for a daemon that daemoniker re-launched: unset it\n",
               program_name_for_messages().c_str(), kHandoffVariable);
  std::fflush(nullptr);
  std::_Exit(2);
}

// One channel number, all of `text`.
bool parse_channel(std::string_view text, channel& c) noexcept {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), c);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty() && c >= 0;
}

// "<hand>,<report>", both open in this process.
bool find_channels(const char* value, channel& hand, channel& report) noexcept {
  const std::string_view v = value != nullptr ? value : "";
  const auto comma = v.find(',');
  return comma != std::string_view::npos && parse_channel(v.substr(0, comma), hand) &&
         parse_channel(v.substr(comma + 1), report) && hand != report &&
         channel_is_open(hand) && channel_is_open(report) && made_by_peer_of_ours(hand) &&
         made_by_peer_of_ours(report);
}

// All the handoff's bytes, up to EOF (or just past the limit: decoding then fails).
std::string read_handoff(channel hand) {
  std::string bytes;
  char buffer[65536];
  for (long n; bytes.size() <= kMaxHandoff && (n = read_some(hand, buffer, sizeof buffer)) > 0;) {
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  close_channel(hand);
  return bytes;
}

}  // namespace

bool started_relaunched() noexcept {
  static const bool relaunched = std::getenv(kHandoffVariable) != nullptr;
  return relaunched;
}

std::string handoff_value(channel hand, channel report) {
  return std::to_string(hand) + "," + std::to_string(report);
}

role continue_relaunched(plan& p, const stages& st) {
  static bool taken = false;  // a run takes one handoff; asking again is the program's mistake
  if (taken) {
    *st.failure = step_status::failure(
        step::handoff, 0,
        "this process is the daemon daemoniker re-launched and has taken its handoff already: "
        "daemonize once per run (is_setup() is false in the daemon)");
    return role::failed;
  }
  taken = true;
  channel hand = -1, report = -1;
  if (!find_channels(std::getenv(kHandoffVariable), hand, report)) handoff_unusable();
  forget_handoff_variable();
  keep_from_children(hand);
  keep_from_children(report);

  const std::string bytes = read_handoff(hand);
  const std::size_t plan_size = payload_frame_size(bytes);
  std::string error = "the handoff was truncated";
  std::optional<std::tuple<plan>> received;
  if (plan_size != 0) received = decode_payload<plan>(std::string_view(bytes).substr(0, plan_size), error);
  if (!received) report_and_exit(report, step_status::failure(step::handoff, 0, error.c_str()));
  p = std::move(std::get<0>(*received));
  if (auto s = st.accept(std::string_view(bytes).substr(plan_size)); !s.ok()) report_and_exit(report, s);
  if constexpr (!kScrubbedBeforeRelaunch) {
    if (auto s = st.scrub(p); !s.ok()) report_and_exit(report, s);
  }
  if (auto s = st.settle(p); !s.ok()) report_and_exit(report, s);
  if (st.defer_confirmation) {  // the program confirms with notify_ready()
    defer_confirmation(report);
    return role::daemon;
  }
  if (!confirm_on(report)) {  // nobody can learn that we started: undo, leave nothing behind
    st.abandon(p);
    std::_Exit(1);
  }
  close_channel(report);
  return role::daemon;
}

}  // namespace detail

bool reexec_handoff::is_setup() const noexcept { return !detail::started_relaunched(); }

}  // namespace daemoniker
