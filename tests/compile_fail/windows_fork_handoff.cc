// On Windows, fork_handoff (and so foreground_handoff, await_ready<fork_handoff>) is refused at
// compile time, naming the platform and the handoff to use.
// target: windows
// expect: daemoniker: this HandoffPolicy works on POSIX only, not on Windows (there is no fork() on Windows): use reexec_handoff
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::await_ready<daemoniker::fork_handoff>>
      ctx;
}
