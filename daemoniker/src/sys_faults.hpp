// daemoniker/src/sys_faults.hpp — fault injection through the seam (sys.hpp). Testonly: a test
// that depends on //daemoniker:with_fault_injection (instead of //daemoniker) gets every os::
// call routed through this table, and replaces entries to make a step fail:
//
//     auto& s = daemoniker::detail::sys();
//     s.chdir = [](const char*) noexcept { errno = EACCES; return -1; };
//
// The defaults are the plain POSIX/Linux calls; fork() copies the table into the daemon.
#pragma once

#if !defined(_WIN32)
#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {

/// One entry per call of the seam, named as the call.
struct syscalls {
// NOLINTNEXTLINE(bugprone-macro-parentheses): `params` is a parenthesized parameter list
#define DAEMONIKER_SYSCALL_ENTRY(R, name, params, args) R(*name) params noexcept;
  DAEMONIKER_SYSCALLS(DAEMONIKER_SYSCALL_ENTRY)
#undef DAEMONIKER_SYSCALL_ENTRY
};

/// The table in use. Mutable on purpose: tests replace entries to inject faults.
syscalls& sys() noexcept;
/// The plain POSIX table (to restore, or to call through from a test's wrapper).
const syscalls& real_syscalls() noexcept;

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
