// The report a daemon sends to the invoking process, the same record on POSIX and Windows.
// Private to daemoniker's .cc files.
#pragma once

#include <cstdint>
#include <type_traits>

#include "daemoniker/plan.hpp"

namespace daemoniker::detail {

// One report on a channel. Trivially copyable (it is written as bytes, from the fork window);
// both ends are the same binary. hello: first child → invoker, the daemon's pid; ready: the
// daemon confirmed; failed: a step failed (the daemon exits at once); died: how the daemon
// ended before confirming; extend: the daemon asks for `wait_status` more milliseconds;
// rejected: the program said it cannot start (notify_failed), its exit code in status.detail.
struct record {
  enum kind_t : std::uint32_t { hello = 1, ready = 2, failed = 3, died = 4, extend = 5, rejected = 6 };
  static constexpr std::uint32_t kMagic = 0x4b4e4d44;  // "DMNK"
  std::uint32_t magic = kMagic;
  kind_t kind = failed;
  std::int64_t pid = 0;          // hello/ready/died: the daemon's pid
  std::int64_t wait_status = 0;  // died: as returned by waitpid; extend: milliseconds
  step_status status;            // failed/rejected: what failed
};
static_assert(std::is_trivially_copyable_v<record>, "a record crosses the channel as bytes");

}  // namespace daemoniker::detail
