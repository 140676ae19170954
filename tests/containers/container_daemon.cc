// A library daemon for //tests/containers: daemonize() with the default policies, then a
// signal_handler for a clean stop. It records what it found in RUN_DIR/observed:
//   supervisor=<detect_supervisor() before daemonizing> pid= ppid= sid=
// and appends "stopped <signal>" to RUN_DIR/log when a stop signal ends it (its pid file is
// then removed by normal exit).
//
//   container_daemon RUN_DIR [orphan]
//
// With "orphan", it also leaves an orphan behind: a child that forks a grandchild and exits at
// once; the grandchild exits 100 ms later and is re-parented to PID 1 — a zombie, if PID 1
// does not reap (the library does not: docs/containers.md). Its pid goes to RUN_DIR/orphan.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/signals.hpp>

namespace {

const char* name(daemoniker::supervisor s) {
  using daemoniker::supervisor;
  switch (s) {
    case supervisor::none: return "none";
    case supervisor::systemd: return "systemd";
    case supervisor::runit: return "runit";
    case supervisor::s6: return "s6";
    case supervisor::daemontools: return "daemontools";
    case supervisor::pid1: return "pid1";
    case supervisor::tini: return "tini";
    case supervisor::dumb_init: return "dumb_init";
    case supervisor::docker_init: return "docker_init";
    case supervisor::catatonit: return "catatonit";
    case supervisor::s6_overlay: return "s6_overlay";
  }
  return "?";
}

void leave_an_orphan(const std::filesystem::path& run) {
  const pid_t child = ::fork();
  if (child == 0) {
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::usleep(100'000);
      ::_exit(0);
    }
    std::ofstream(run / "orphan") << grandchild << "\n";
    ::_exit(0);
  }
  ::waitpid(child, nullptr, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RUN_DIR [orphan]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path run = std::filesystem::absolute(argv[1]);
  const daemoniker::supervisor found = daemoniker::detect_supervisor();
  daemoniker::daemonize(run / "app.pid", {.chdir = "/", .stdout_goto = run / "log"});

  daemoniker::signal_handler signals;
  signals.start();
  {
    std::ofstream out(run / "observed.tmp");
    out << "supervisor=" << name(found) << " pid=" << ::getpid() << " ppid=" << ::getppid()
        << " sid=" << ::getsid(0) << "\n";
  }
  std::filesystem::rename(run / "observed.tmp", run / "observed");
  if (argc > 2 && std::string(argv[2]) == "orphan") leave_an_orphan(run);
  const int sig = signals.wait();
  std::printf("stopped %d\n", sig);
  return 0;
}
