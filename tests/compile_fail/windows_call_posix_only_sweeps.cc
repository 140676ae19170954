// On Windows, calling a POSIX-only fd sweep directly (not through basic_daemonizer, whose
// static_assert covers that) is a compile error naming the model and the platform, not an
// undefined reference at link time (DAEMONIKER_POSIX_ONLY, daemoniker/detail/config.hpp).
// target: windows
// expect: daemoniker: close_range_sweep works on POSIX only, not on Windows: use no_sweep
// expect: daemoniker: proc_fd_sweep works on POSIX only, not on Windows: use no_sweep
// expect: daemoniker: brute_force_sweep works on POSIX only, not on Windows: use no_sweep
// expect: daemoniker: auto_sweep works on POSIX only, not on Windows: use no_sweep
#include <daemoniker/daemoniker.hpp>

void use() {
  const daemoniker::plan p;
  (void)daemoniker::close_range_sweep{}.sweep(p);
  (void)daemoniker::proc_fd_sweep{}.sweep(p);
  (void)daemoniker::brute_force_sweep{}.sweep(p);
  (void)daemoniker::auto_sweep{}.sweep(p);
}
