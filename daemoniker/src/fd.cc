// FdPolicy models. Everything here runs in the first child right after fork(), in a process
// that may have been multi-threaded: async-signal-safe system calls only — no malloc (hence
// getdents64 on a stack buffer instead of opendir/readdir: descriptors.hpp), no stdio, no locks.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>

#include "daemoniker/src/descriptors.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/policy/fd.hpp"

namespace daemoniker {
namespace {

namespace os = detail::os;

// Calls close_gap(lo, hi) for each maximal range [lo, hi] within [3, last] that holds no kept
// fd. Stops at the first gap that fails.
template <class CloseGap>
int for_each_gap(const plan& p, unsigned last, CloseGap close_gap) noexcept {
  unsigned lo = 3;
  for (const int kept : p.shielded_fds) {
    const auto k = static_cast<unsigned>(kept);
    if (k < lo) continue;
    if (k > last) break;
    if (k > lo && close_gap(lo, k - 1) == -1) return -1;
    lo = k + 1;
  }
  if (lo <= last && close_gap(lo, last) == -1) return -1;
  return 0;
}

step_status close_with_close_range(const plan& p) noexcept {
  const int r = for_each_gap(p, UINT_MAX, [](unsigned lo, unsigned hi) noexcept {
    return os::close_range(lo, hi, 0);
  });
  if (r == -1) return step_status::failure(step::sweep, errno, "close_range");
  return {};
}

step_status close_listed_in_proc(const plan& p) noexcept {
  const int dir = os::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir == -1) return step_status::failure(step::sweep, errno, "/proc/self/fd");
  // Closing entries already listed does not disturb the directory offset: /proc's fd
  // directory positions are fd numbers.
  const int walked = detail::for_each_numbered(dir, [&](int fd) noexcept {
    if (fd >= 3 && fd != dir && !p.is_shielded(fd)) os::close(fd);
  });
  const int e = errno;
  os::close(dir);
  if (walked == -1) return step_status::failure(step::sweep, e, "getdents64 /proc/self/fd");
  return {};
}

// The highest fd plus one that can be open: the hard limit, else the soft limit, else the
// caller's fallback — the spec's rule.
unsigned sweep_limit(const plan& p) noexcept {
  struct rlimit lim {};
  if (os::getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    if (lim.rlim_max != RLIM_INFINITY) return static_cast<unsigned>(lim.rlim_max);
    if (lim.rlim_cur != RLIM_INFINITY) return static_cast<unsigned>(lim.rlim_cur);
  }
  return static_cast<unsigned>(p.fd_fallback_limit);
}

step_status close_every_possible_fd(const plan& p) noexcept {
  const unsigned limit = sweep_limit(p);
  if (limit <= 3) return {};
  for_each_gap(p, limit - 1, [](unsigned lo, unsigned hi) noexcept {
    for (unsigned fd = lo; fd <= hi; ++fd) os::close(static_cast<int>(fd));  // EBADF is fine
    return 0;
  });
  return {};
}

}  // namespace

step_status close_range_sweep::sweep(const plan& p) const noexcept {
  return close_with_close_range(p);
}

step_status proc_fd_sweep::sweep(const plan& p) const noexcept { return close_listed_in_proc(p); }

step_status brute_force_sweep::sweep(const plan& p) const noexcept {
  return close_every_possible_fd(p);
}

step_status auto_sweep::sweep(const plan& p) const noexcept {
  // close_range is missing before Linux 5.9 (ENOSYS) and may be filtered by a seccomp policy
  // (EPERM); /proc may be unmounted (chroot, early boot). The loop always works.
  if (close_with_close_range(p).ok()) return {};
  if (close_listed_in_proc(p).ok()) return {};
  return close_every_possible_fd(p);
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
