// daemoniker/src/relaunch.hpp — reexec_handoff's two halves: the launchers, one per OS
// (src/reexec.cc, src/windows/handoff.cc), and the re-launched daemon, written once
// (src/relaunched.cc). Private.
#pragma once

#include <string>

#include "daemoniker/policy/handoff.hpp"
#include "report.hpp"

namespace daemoniker::detail {

/// Set only in the environment of a daemon that daemoniker re-launched: where its channels are.
inline constexpr const char* kHandoffVariable = "DAEMONIKER_HANDOFF";

/// The variable's value for a daemon that reads its plan on `hand` and reports on `report`.
std::string handoff_value(channel hand, channel report);

/// Whether `st.scrub` ran before the re-launch: on POSIX in the first child, before execve();
/// on Windows no process precedes the daemon, so the re-launched daemon runs it itself.
#if defined(_WIN32)
inline constexpr bool kScrubbedBeforeRelaunch = false;
#else
inline constexpr bool kScrubbedBeforeRelaunch = true;
#endif

/// True when this process started as a re-launched daemon (the variable was set at start-up).
bool started_relaunched() noexcept;

/// The re-launched daemon: take the plan and the preserved arguments from the channels the
/// variable names, settle, and confirm (or defer it). Never returns role::invoker.
role continue_relaunched(plan& p, const stages& st);

/// Removes the variable from this process's environment, so that the daemon's own children do
/// not take themselves for it. Supplied by each OS's launcher.
void forget_handoff_variable() noexcept;

}  // namespace daemoniker::detail
