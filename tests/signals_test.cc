// daemoniker::signal_handler and send(): signals become callbacks on a listener thread; an
// unhandled SIGTERM is a clean shutdown that removes the pid file; SIGHUP reaches the reload
// hook instead of killing the daemon; send() signals only a daemon whose pid file is locked.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Signals : public DaemonTest {
 protected:
  // Waits for `pid` (our child, via the subreaper) and returns its wait status.
  static int reap(pid_t pid) {
    int status = -1;
    ::waitpid(pid, &status, 0);
    return status;
  }
  // Daemon side: tells the test its pid (atomically: the test may be reading already).
  void publish_pid() {
    write_file(path("observed.tmp"), "pid=" + std::to_string(::getpid()) + "\n");
    fs::rename(path("observed.tmp"), path("observed"));
  }
  void append(const std::string& line) {
    std::ofstream(path("trace"), std::ios::app) << line << "\n";
  }
};

TEST_F(Signals, AnUnhandledTermIsACleanShutdownThatRemovesThePidFile) {
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    signal_handler signals;
    signals.start();
    publish_pid();
    for (;;) ::pause();  // nobody waits: the default applies
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const pid_t pid = std::stoi(await_observation().at("pid"));
  EXPECT_TRUE(is_locked(path("app.pid")));
  ::kill(pid, SIGTERM);
  const int status = reap(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Signals, WaitReturnsTheStopSignalAndReloadRunsTheHook) {
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    signal_handler signals;
    std::atomic<int> reloads{0};
    signals.on_reload([&](int) {
      ++reloads;
      append("reload");
    });
    signals.start();
    publish_pid();
    const int sig = signals.wait();
    append("stopped by " + std::to_string(sig) + " after " + std::to_string(reloads.load()) +
           " reloads");
    std::exit(0);
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const pid_t pid = std::stoi(await_observation().at("pid"));
  send(path("app.pid"), SIGHUP);
  for (int i = 0; i < 200 && read_file(path("trace")).empty(); ++i) ::usleep(5'000);
  send(path("app.pid"), SIGHUP);
  for (int i = 0; i < 200 && read_file(path("trace")) != "reload\nreload\n"; ++i) ::usleep(5'000);
  send(path("app.pid"), SIGINT);
  const int status = reap(pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(read_file(path("trace")),
            "reload\nreload\nstopped by " + std::to_string(SIGINT) + " after 2 reloads\n");
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Signals, CallbacksForOtherSignalsRunOnTheListenerThread) {
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    signal_handler signals;
    const auto main_thread = std::this_thread::get_id();
    signals.on(SIGUSR1, [&](int) {
      append(std::this_thread::get_id() != main_thread ? "usr1 on listener" : "usr1 on main");
    });
    signals.start();
    publish_pid();
    signals.wait();
    std::exit(0);
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const pid_t pid = std::stoi(await_observation().at("pid"));
  send(path("app.pid"), SIGUSR1);
  for (int i = 0; i < 200 && read_file(path("trace")).empty(); ++i) ::usleep(5'000);
  EXPECT_EQ(read_file(path("trace")), "usr1 on listener\n");
  ::kill(pid, SIGTERM);
  reap(pid);
}

TEST_F(Signals, SendRefusesAStaleOrMissingPidFile) {
  const pid_t unrelated = ::fork();
  if (unrelated == 0) {
    ::pause();
    std::_Exit(0);
  }
  write_file(path("app.pid"), std::to_string(unrelated) + "\n");
  try {
    send(path("app.pid"), SIGKILL);
    ADD_FAILURE() << "send() signalled through a stale pid file";
  } catch (const std::system_error& e) {
    // Unlocked, naming a live process: nothing proves it is the daemon (issue 11).
    EXPECT_THAT(e.what(), HasSubstr("not signalled"));
  }
  EXPECT_EQ(::kill(unrelated, 0), 0);
  int status = 0;
  EXPECT_EQ(::waitpid(unrelated, &status, WNOHANG), 0) << "the unrelated process died";
  EXPECT_THROW(send(path("missing.pid"), SIGTERM), std::system_error);
  const auto st = inspect_pid_file(path("app.pid"));
  EXPECT_EQ(st.state, pid_file_state::unverified);
  EXPECT_EQ(st.pid, unrelated);
}

}  // namespace
}  // namespace daemoniker::testing
