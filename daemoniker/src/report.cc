// The daemon's reports to the invoking process (report.hpp), the same on POSIX and Windows.
// On POSIX these run in the fork window: async-signal-safe, no allocation.
#include "daemoniker/src/report.hpp"

#include <cstdlib>

#include "daemoniker/src/confirmation.hpp"

namespace daemoniker::detail {
namespace {

// In the daemon of a handoff that defers confirmation (await_ready): the channel on which
// notify_ready() and friends will report, or -1.
channel pending_channel = -1;

}  // namespace

bool send_record(channel c, const record& r) noexcept { return write_all(c, &r, sizeof r); }

bool receive_record(channel c, record& r) noexcept {
  char* p = reinterpret_cast<char*>(&r);
  std::size_t got = 0;
  while (got < sizeof r) {
    const long n = read_some(c, p + got, sizeof r - got);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void report_and_exit(channel c, const step_status& s) noexcept {
  record r;
  r.kind = record::failed;
  r.status = s;
  send_record(c, r);
  std::_Exit(1);
}

bool confirm_on(channel c) noexcept {
  record ready;
  ready.kind = record::ready;
  ready.pid = own_pid();
  return send_record(c, ready);
}

void defer_confirmation(channel c) noexcept { pending_channel = c; }

void confirm_startup(bool ready, const char* message, int exit_code) noexcept {
  if (pending_channel == -1) return;
  record r;
  r.kind = ready ? record::ready : record::rejected;
  r.pid = own_pid();
  if (!ready) r.status = step_status::failure(step::startup, 0, message, exit_code);
  send_record(pending_channel, r);
  close_channel(pending_channel);
  pending_channel = -1;
}

void extend_confirmation(std::chrono::milliseconds more) noexcept {
  if (pending_channel == -1) return;
  record r;
  r.kind = record::extend;
  r.pid = own_pid();
  r.wait_status = more.count();
  send_record(pending_channel, r);
}

}  // namespace daemoniker::detail
