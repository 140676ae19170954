// The README's and docs/policies.md's daemonizer_with example: their code blocks are the regions
// between the snippet markers, line for line (//tests/docs checks them). The daemon has no pid
// file ("ignored" is not created) and its inherited descriptors are closed by the /proc/self/fd
// walk; the static_assert below checks the type docs/policies.md says `quiet` is.
//
// The daemon writes what it is to quiet.report in its working directory (by default the one it
// was started from: its stdout is /dev/null), then waits for SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <type_traits>

#include <daemoniker/daemoniker.hpp>

// [snippet:readme-quiet]
// [snippet:policies-quiet]
using quiet = daemoniker::daemonizer_with<daemoniker::no_pid_file, daemoniker::proc_fd_sweep>;
// [/snippet:readme-quiet]
// == basic_daemonizer<no_pid_file, redirect_stdio, proc_fd_sweep, fork_handoff>
// [/snippet:policies-quiet]
static_assert(std::is_same_v<quiet, daemoniker::basic_daemonizer<
                                        daemoniker::no_pid_file, daemoniker::redirect_stdio,
                                        daemoniker::proc_fd_sweep, daemoniker::fork_handoff>>);

int main() {
  const int inherited = open("/dev/null", O_RDONLY);  // not close-on-exec: the sweep closes it
  // [snippet:readme-quiet]
  quiet{}.daemonize("ignored", {});
  // [/snippet:readme-quiet]
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  const bool swept = fcntl(inherited, F_GETFD) == -1;  // before the report takes its number
  std::ofstream("quiet.report") << "daemon " << getpid() << ": session " << getsid(0)
                                << ", inherited fd " << inherited << ' '
                                << (swept ? "closed" : "OPEN") << '\n';
  int signal = 0;
  sigwait(&term, &signal);
  return 0;
}
