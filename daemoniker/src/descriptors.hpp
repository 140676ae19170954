// daemoniker/src/descriptors.hpp — descriptor helpers over the seam (sys.hpp) for the fork
// window, the stages and the command: system calls only, no allocation, every function
// noexcept, so async-signal-safe (they run after fork() in a process that may have had threads).
// Private to daemoniker: neither installed nor visible to users.
#pragma once

#if !defined(_WIN32)
#include <fcntl.h>

#include <cerrno>

#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {

/// Moves `fd` to the lowest free number >= `floor` (close-on-exec) and closes the original, so
/// that installing stdio (or another number promised to a program) can never clobber it. `fd`
/// itself when it is -1 or high enough; -1 with fcntl's errno when it cannot be moved.
inline int move_above(int fd, int floor = 3) noexcept {
  if (fd == -1 || fd >= floor) return fd;
  const int moved = os::fcntl(fd, F_DUPFD_CLOEXEC, floor);
  const int e = errno;
  os::close(fd);
  errno = e;
  return moved;
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
