// On Windows, calling drop_privileges::prepare directly is a compile error naming the platform
// and the fix, not an undefined reference at link time.
// target: windows
// expect: daemoniker: drop_privileges works on POSIX only, not on Windows: users, groups, chroot and resource limits are POSIX's
#include <daemoniker/daemoniker.hpp>

daemoniker::step_status use(daemoniker::plan& p) {
  return daemoniker::drop_privileges{.user = "nobody"}.prepare(p);
}
