// On Windows, a POSIX-only fd sweep is refused at compile time, naming the platform (it used to
// compile to a no-op that reported success).
// target: windows
// expect: daemoniker: this FdPolicy works on POSIX only, not on Windows
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::auto_sweep> ctx;
}
