// A library daemon for a Type=forking unit (//tests/systemd): daemonize() forks, writes and
// locks the pid file, and the invoking process exits 0 once it is there, which is what systemd
// waits for. SIGHUP appends "reload N" to the log; SIGTERM ends it cleanly (pid file removed).
//
//   forking_daemon PIDFILE LOG
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <daemoniker/daemoniker.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PIDFILE LOG\n", argv[0]);
    return 2;
  }
  const std::filesystem::path log = argv[2];
  daemoniker::daemonize(argv[1], {.chdir = "/", .stdout_goto = log, .stderr_goto = log});

  daemoniker::signal_handler signals;
  int reloads = 0;
  signals.on_reload([&](int) {
    std::printf("reload %d\n", ++reloads);
    std::fflush(stdout);
  });
  signals.start();
  std::printf("started pid %d\n", getpid());
  std::fflush(stdout);
  const int sig = signals.wait();
  std::printf("stopping on signal %d\n", sig);
  std::fflush(stdout);
  return 0;
}
