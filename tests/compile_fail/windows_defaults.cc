// Control: on Windows the defaults (reexec_handoff, no_sweep), await_ready<> and the spec's
// daemonize() compile cleanly.
// target: windows
// expect-compile
#include <daemoniker/daemoniker.hpp>

void use() {
  [[maybe_unused]] daemoniker::daemonizer ctx;
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::await_ready<>> ready;
  [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::no_sweep, daemoniker::inherit_stdio> mine;
}
