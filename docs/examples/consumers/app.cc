// The program every route of the README's "Use it from your build" builds against daemoniker:
// find_package/, add_subdirectory/, fetch_content/ (CMake) and pkg-config/. //tests/consumers
// builds it each way and runs it.
//
//   app RUN_DIR
//
// It daemonizes with the pid file RUN_DIR/app.pid; the daemon writes RUN_DIR/app.ran (the
// daemoniker version it was built with, and its pid) and runs until SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/version.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s RUN_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path run = std::filesystem::absolute(argv[1]);
  daemoniker::daemonize(run / "app.pid", {.chdir = "/"});

  // Only the daemon gets here. It blocks SIGTERM, says it ran, and waits for SIGTERM.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  std::ofstream(run / "app.ran.tmp") << "daemoniker " << DAEMONIKER_VERSION << " pid " << getpid()
                                     << "\n";
  std::filesystem::rename(run / "app.ran.tmp", run / "app.ran");
  int received = 0;
  sigwait(&term, &received);
  return 0;  // returning from main removes the pid file
}
