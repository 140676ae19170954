// A policy of one's own opts in with posix_only, in any slot: on Windows it is refused too.
// target: windows
// expect: daemoniker: this PidPolicy works on POSIX only, not on Windows
#include <daemoniker/daemoniker.hpp>

struct fcntl_locked_pid_file : daemoniker::locked_pid_file {
  static constexpr bool posix_only = true;
};

void use() { [[maybe_unused]] daemoniker::daemonizer_with<fcntl_locked_pid_file> ctx; }
