// On Windows, drop_privileges is refused at compile time, naming the platform and the fix.
// target: windows
// expect: daemoniker: this PrivilegePolicy works on POSIX only, not on Windows (drop_privileges
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::drop_privileges> ctx;
}
