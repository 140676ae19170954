// daemonizer_with given two policies for the FdPolicy slot.
// expect: daemoniker::daemonizer_with: two policies were given for the same slot
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::proc_fd_sweep, daemoniker::no_pid_file,
                                               daemoniker::no_sweep>
      ctx;
}
