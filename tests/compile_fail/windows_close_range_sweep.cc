// On Windows, close_range_sweep is refused at compile time, naming the platform.
// target: windows
// expect: daemoniker: this FdPolicy works on POSIX only, not on Windows
#include <daemoniker/daemoniker.hpp>

void use() { [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::close_range_sweep> ctx; }
