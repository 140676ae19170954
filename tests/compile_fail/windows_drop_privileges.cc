// On Windows, drop_privileges is refused at compile time, naming the platform and the fix.
// target: windows
// expect: daemoniker: drop_privileges works on POSIX only, not on Windows
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::drop_privileges> ctx;
}
