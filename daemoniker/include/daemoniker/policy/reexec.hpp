// daemoniker/policy/reexec.hpp — the re-launching HandoffPolicy, and the serializer it needs.
//
//     #include <daemoniker/policy/reexec.hpp>
//     using daemonizer = daemoniker::daemonizer_with<daemoniker::reexec_handoff>;
//
//     int main() {
//       daemonizer ctx;
//       if (ctx.is_setup()) { /* the original run only: not repeated in the daemon */ }
//       auto [is_parent, cfg] = ctx("app.pid", {}, load_config());
//       // in the daemon, cfg is the invoking process's value, decoded (serialize.hpp)
//     }
//
// POSIX: fork(), setsid(), fork(), then execve("/proc/self/exe", argv) — the original argv, or
// only argv[0] with options::strip_cmd_args — with the plan and the arguments sent over an
// inherited socket named by the DAEMONIKER_HANDOFF variable, which the daemon removes from its
// environment. Between fork() and execve() only async-signal-safe calls are made, so this is
// safe in a multi-threaded program. The new run takes its plan only from two sockets above
// stdio, made by a process with its own effective uid (a set-user-ID program cannot be handed
// a plan by whoever runs it), and only once: a second daemonize() in it fails with a message.
// Windows: the default handoff (docs/windows.md).
#pragma once

#include "daemoniker/detail/config.hpp"

#include "daemoniker/plan.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/serialize.hpp"

namespace daemoniker {

struct reexec_handoff {
  static constexpr bool relaunches = true;
  /// False in the re-launched daemon (DAEMONIKER_HANDOFF was set when the program started).
  [[nodiscard]] bool is_setup() const noexcept;
  role launch(plan& p, const stages& st);
};

}  // namespace daemoniker
