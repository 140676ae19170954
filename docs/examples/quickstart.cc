// The smallest real daemon: it daemonizes, logs a heartbeat, and stops cleanly on SIGTERM
// (returning from main removes its pid file). The README's first command runs it.
//
//   quickstart RUN_DIR [--fail]
//
// RUN_DIR receives quickstart.pid and quickstart.log. --fail points the log into a directory
// that does not exist, to show an error reaching the invoking shell.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include <daemoniker/daemoniker.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RUN_DIR [--fail]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path run = std::filesystem::canonical(argv[1]);
  const bool fail = argc > 2 && std::string(argv[2]) == "--fail";
  const std::filesystem::path log = run / (fail ? "no/such/dir/quickstart.log" : "quickstart.log");

  // Everything up to here runs in the invoking process. daemonize() returns only in the daemon;
  // the invoking process exits 0 once the daemon has confirmed startup, or prints why not.
  auto [started] = daemoniker::daemonize(
      run / "quickstart.pid", {.chdir = "/", .stdout_goto = log, .stderr_goto = log},
      std::time(nullptr));

  // Block SIGTERM and wait for it in the main loop: no work in a signal handler.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);

  std::printf("quickstart: daemon %d started (invoked at %lld), session %d\n", getpid(),
              static_cast<long long>(started), getsid(0));
  std::fflush(stdout);
  const timespec beat{0, 500'000'000};
  for (int tick = 1;; ++tick) {
    if (sigtimedwait(&term, nullptr, &beat) == SIGTERM) break;
    std::printf("quickstart: tick %d\n", tick);
    std::fflush(stdout);
  }
  std::printf("quickstart: SIGTERM received, stopping\n");
  return 0;  // normal exit: the pid file is unlinked, then its lock released
}
