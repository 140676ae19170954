// A library daemon for a Type=notify unit (//tests/systemd): it awaits readiness, so under
// systemd ($NOTIFY_SOCKET set) daemonize() keeps it in the foreground and READY=1 goes out only
// when notify_ready() is called. Before that it creates MARKDIR/waiting and sleeps DELAY_MS;
// MARKDIR/notifying is created just before notify_ready(). SIGTERM ends it cleanly.
//
//   notify_daemon PIDFILE LOG MARKDIR DELAY_MS
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <daemoniker/daemoniker.hpp>

namespace {
void mark(const std::filesystem::path& file) {
  const auto tmp = file.string() + ".tmp";
  std::ofstream(tmp) << getpid() << '\n';
  std::filesystem::rename(tmp, file);
}
}  // namespace

using ready_daemonizer = daemoniker::daemonizer_with<daemoniker::await_ready<>>;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s PIDFILE LOG MARKDIR DELAY_MS\n", argv[0]);
    return 2;
  }
  const std::filesystem::path log = argv[2];
  const std::filesystem::path marks = argv[3];
  const auto delay = std::chrono::milliseconds(std::stoi(argv[4]));
  ready_daemonizer{}.daemonize(argv[1], {.chdir = "/", .stdout_goto = log, .stderr_goto = log,
                                         .success_timeout = std::chrono::seconds(60)});

  daemoniker::signal_handler signals;
  signals.exit_on_stop(false);  // a stop while warming up is handled by wait() below
  signals.start();
  mark(marks / "waiting");
  std::this_thread::sleep_for(delay);
  mark(marks / "notifying");
  daemoniker::notify_ready("serving");
  std::printf("ready, pid %d\n", getpid());
  std::fflush(stdout);
  const int sig = signals.wait();
  std::printf("stopping on signal %d\n", sig);
  std::fflush(stdout);
  return 0;
}
