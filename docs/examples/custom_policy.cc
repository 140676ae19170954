// A user-written policy: instead of closing inherited descriptors, mark them close-on-exec
// (close_range's CLOSE_RANGE_CLOEXEC), so the daemon can still use what it inherited but
// nothing leaks into the programs it starts. It models daemoniker::fd_policy: one noexcept,
// async-signal-safe member `sweep(const plan&)` (docs/policies.md#fdpolicy).
//
//   custom_policy RUN_DIR
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include <daemoniker/daemoniker.hpp>

// docs/policies.md's code block is the region cloexec below, its two parts joined, line for line
// (//tests/docs checks it). daemonizer_with names only the slot it changes: the others keep their
// defaults.
// [snippet:cloexec]
struct cloexec_sweep {
  daemoniker::step_status sweep(const daemoniker::plan& p) const noexcept {
    unsigned lo = 3;
    for (const int kept : p.shielded_fds) {  // sorted: leave the shielded fds untouched
      if (static_cast<unsigned>(kept) > lo &&
          syscall(SYS_close_range, lo, kept - 1, CLOSE_RANGE_CLOEXEC) == -1) {
        return daemoniker::step_status::failure(daemoniker::step::sweep, errno,
                                                "close_range(CLOSE_RANGE_CLOEXEC)");
      }
      lo = static_cast<unsigned>(kept) + 1;
    }
    if (syscall(SYS_close_range, lo, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
      return daemoniker::step_status::failure(daemoniker::step::sweep, errno,
                                              "close_range(CLOSE_RANGE_CLOEXEC)");
    }
    return {};
  }
};
static_assert(daemoniker::fd_policy<cloexec_sweep>);

using cloexec_daemonizer = daemoniker::daemonizer_with<cloexec_sweep>;
// [/snippet:cloexec]

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const std::filesystem::path run = std::filesystem::canonical(argv[1]);
  const int inherited = dup(2);  // stays open in the daemon, but close-on-exec
  // [snippet:cloexec]
  cloexec_daemonizer{}.daemonize(run / "custom.pid", {.stdout_goto = run / "custom.log"});
  // [/snippet:cloexec]
  std::printf("daemon %d: inherited fd %d is %s, close-on-exec %s\n", getpid(), inherited,
              fcntl(inherited, F_GETFD) == -1 ? "closed" : "open",
              (fcntl(inherited, F_GETFD) & FD_CLOEXEC) != 0 ? "yes" : "no");
  return 0;
}
