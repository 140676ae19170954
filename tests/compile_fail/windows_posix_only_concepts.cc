// Control: on Windows the POSIX-only models still model their concepts (the members that only
// POSIX defines are declared as everywhere, DAEMONIKER_POSIX_ONLY aside), so that
// basic_daemonizer's static_assert, not a concept failure, is what a user of the template sees;
// and naming them without calling those members compiles. Compiled to assembly, like every
// `// target: windows` snippet, so that a stray error attribute would show.
// target: windows
// expect-compile
#include <daemoniker/daemoniker.hpp>

static_assert(daemoniker::fd_policy<daemoniker::close_range_sweep>);
static_assert(daemoniker::fd_policy<daemoniker::proc_fd_sweep>);
static_assert(daemoniker::fd_policy<daemoniker::brute_force_sweep>);
static_assert(daemoniker::fd_policy<daemoniker::auto_sweep>);
static_assert(daemoniker::handoff_policy<daemoniker::fork_handoff>);
static_assert(daemoniker::handoff_policy<daemoniker::foreground_handoff>);
static_assert(daemoniker::handoff_policy<daemoniker::await_ready<daemoniker::fork_handoff>>);
static_assert(daemoniker::privilege_policy<daemoniker::drop_privileges>);

bool use() {
  daemoniker::drop_privileges d{.user = "nobody"};
  daemoniker::fork_handoff f{.allow_threads = true};
  return !d.user.empty() && f.allow_threads;
}
