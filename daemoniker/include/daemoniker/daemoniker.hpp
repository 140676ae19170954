// daemoniker/daemoniker.hpp — the umbrella header: everything a program needs to become a
// well-behaved daemon.
//
//     #include <daemoniker/daemoniker.hpp>
//
//     int main() {
//       auto [port] = daemoniker::daemonize("/run/echo.pid",
//                                           {.chdir = "/", .stdout_goto = "/var/log/echo.log"},
//                                           7000);
//       // only the daemon gets here; the shell that started us saw exit status 0
//     }
//
// Contents:
//   options.hpp           the spec's keyword parameters
//   daemonize.hpp         daemonize()
//   basic_daemonizer.hpp  the Daemonizer context and its policy slots
//   compose.hpp           daemonizer_with<Policies...>
//   policy/*.hpp          the policy concepts and the models that ship with them
//   plan.hpp              what policies are given and answer
//   notify.hpp            notify_ready() and friends: the invoking process, systemd, s6
//   signals.hpp           signal_handler: signals as callbacks on a thread
//   pid_file.hpp          inspect_pid_file(), send(), the pid file this process holds
#pragma once

#include "daemoniker/detail/config.hpp"

#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/compose.hpp"
#include "daemoniker/daemonize.hpp"
#include "daemoniker/fwd.hpp"
#include "daemoniker/notify.hpp"
#include "daemoniker/activation.hpp"
#include "daemoniker/options.hpp"
#include "daemoniker/pid_file.hpp"
#include "daemoniker/plan.hpp"
#include "daemoniker/policy/fd.hpp"
#include "daemoniker/policy/handoff.hpp"
#include "daemoniker/policy/pid.hpp"
#include "daemoniker/policy/privileges.hpp"
#include "daemoniker/policy/redirect.hpp"
#include "daemoniker/result.hpp"
#include "daemoniker/signals.hpp"
#include "daemoniker/version.hpp"
#if defined(_WIN32)
#include "daemoniker/policy/reexec.hpp"
#endif
