// On Windows, foreground_handoff (a fork_handoff that never forks) is refused too.
// target: windows
// expect: daemoniker: this HandoffPolicy works on POSIX only, not on Windows
#include <daemoniker/daemoniker.hpp>

void use() { [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::foreground_handoff> ctx; }
