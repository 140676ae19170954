// A system-call replacement that more than one reliability suite injects through the seam
// (daemoniker/src/sys_faults.hpp): only for targets with fault_injection = True.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cerrno>

#include "daemoniker/src/sys_faults.hpp"

namespace daemoniker::testing {

// open() on a filesystem without O_TMPFILE: the pid file falls back to a hidden named
// temporary file.
inline int open_without_tmpfile(const char* p, int flags, mode_t mode) noexcept {
  if ((flags & O_TMPFILE) == O_TMPFILE) {
    errno = EOPNOTSUPP;
    return -1;
  }
  return detail::real_syscalls().open(p, flags, mode);
}

}  // namespace daemoniker::testing
