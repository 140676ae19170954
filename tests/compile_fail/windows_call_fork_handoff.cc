// On Windows, calling fork_handoff's launch directly — or through foreground_handoff or
// await_ready<fork_handoff>, which inherit it — is a compile error naming the platform and the
// handoff to use, not an undefined reference at link time.
// target: windows
// expect: daemoniker: fork_handoff works on POSIX only, not on Windows: there is no fork() on Windows: use reexec_handoff
#include <daemoniker/daemoniker.hpp>

daemoniker::role use(daemoniker::plan& p, const daemoniker::stages& st) {
  return daemoniker::await_ready<daemoniker::fork_handoff>{}.launch(p, st);
}
