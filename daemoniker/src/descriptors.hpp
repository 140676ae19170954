// daemoniker/src/descriptors.hpp — descriptor helpers over the seam (sys.hpp) for the fork
// window, the stages and the command: system calls only, no allocation, every function
// noexcept, so async-signal-safe (they run after fork() in a process that may have had threads).
// Private to daemoniker: neither installed nor visible to users.
#pragma once

#if !defined(_WIN32)
#include <fcntl.h>

#include <cerrno>
#include <cstdint>

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

/// One getdents64 record (struct linux_dirent64).
struct dirent64_header {
  std::uint64_t ino;
  std::int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

/// Calls `each(n)` for each entry of the open directory `dir` that is named by a number n (the
/// fds of /proc/self/fd, the threads of /proc/self/task): getdents64 on a stack buffer, since
/// opendir() allocates. 0 once every entry is seen; -1 with errno when getdents64 fails.
template <class F>
int for_each_numbered(int dir, F each) noexcept {
  alignas(8) char buffer[4096];
  for (;;) {
    const int n = os::getdents64(dir, buffer, sizeof buffer);
    if (n <= 0) return n;
    for (int at = 0; at < n;) {
      const auto* d = reinterpret_cast<const dirent64_header*>(buffer + at);
      at += d->reclen;
      const char* c = d->name;
      if (*c < '0' || *c > '9') continue;  // "." and ".."
      int number = 0;
      for (; *c >= '0' && *c <= '9'; ++c) number = number * 10 + (*c - '0');
      each(number);
    }
  }
}

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
