// The daemoniker command, black-box: every subcommand and exit status, the retry schedule
// against a program that ignores SIGTERM, a program failing on startup (its status and stderr
// reach `start`), readiness on --ready-fd, a stale pid file whose pid was reused (never
// signalled), and usage errors. Every process started is reaped (DaemonTest).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;

class Cli : public DaemonTest {
 protected:
  struct result {
    int exit_code;
    std::string out, err;
  };

  result run(std::vector<std::string> args) {
    const char* cli = std::getenv("DAEMONIKER_CLI");
    const fs::path out = path("cli.out");
    const auto r = invoke([&] {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::setenv("TMPDIR", dir().c_str(), 1);  // the command's own temporary files stay here
      args.insert(args.begin(), cli);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(cli, argv.data());
      std::_Exit(127);
    });
    return {r.exit_code, read_file(out), r.stderr_text};
  }

  std::string pidfile() const { return path("app.pid").string(); }
  long long pid_in_file() { return std::atoll(read_file(path("app.pid")).c_str()); }

  static bool alive(long long pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
  }
};

TEST_F(Cli, StartRunsTheProgramAsADaemonAndStatusReportsIt) {
  const auto r = run({"start", "--pidfile", pidfile(), "--", "sleep", "60"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const long long pid = pid_in_file();
  EXPECT_THAT(r.out, HasSubstr("started 'sleep' (pid " + std::to_string(pid) + ")"));
  EXPECT_THAT(read_file("/proc/" + std::to_string(pid) + "/cmdline"), HasSubstr("sleep"));
  EXPECT_TRUE(is_locked(path("app.pid"))) << "the lock did not survive exec";
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto s = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_THAT(s.out, HasSubstr("running (pid " + std::to_string(pid) + ", up "));
}

TEST_F(Cli, SecondStartIsRefused) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
  const long long pid = pid_in_file();
  const auto r = run({"start", "--pidfile", pidfile(), "--", "sleep", "60"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("already running (pid " + std::to_string(pid) + ")"));
}

TEST_F(Cli, StopEndsTheDaemonRemovesThePidFileAndStatusSaysNotRunning) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
  const long long pid = pid_in_file();
  const auto r = run({"stop", "--pidfile", pidfile()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stopped (pid " + std::to_string(pid) + ")"));
  EXPECT_FALSE(alive(pid));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 3);
  EXPECT_EQ(run({"stop", "--pidfile", pidfile()}).exit_code, 0) << "stopping nothing is fine";
}

TEST_F(Cli, RetryScheduleEscalatesToKillForAProgramThatIgnoresTerm) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sh", "-c",
                 "trap '' TERM; while :; do sleep 0.1; done"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  const auto began = clock_type::now();
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/1/KILL/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(clock_type::now() - began, std::chrono::milliseconds(900)) << "TERM was not waited for";
  EXPECT_FALSE(alive(pid));
}

TEST_F(Cli, ScheduleExhaustedLeavesTheProcessAndExitsOne) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sh", "-c",
                 "trap '' TERM; while :; do sleep 0.1; done"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("still running after the schedule TERM/1"));
  EXPECT_TRUE(alive(pid));
}

TEST_F(Cli, AMissingOrNonExecutableProgramFailsAtOnce) {
  auto r = run({"start", "--pidfile", pidfile(), "--", "/no/such/program"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot run '/no/such/program': No such file or directory"));
  write_file(path("script"), "#!/bin/sh\n");
  r = run({"start", "--pidfile", pidfile(), "--", path("script").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("Permission denied"));
  r = run({"start", "--pidfile", pidfile(), "--", "no-such-command-anywhere"});
  EXPECT_THAT(r.err, HasSubstr("not found in PATH"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Cli, AProgramFailingBeforeReadyReportsItsStatusAndStderr) {
  const auto r = run({"start", "--pidfile", pidfile(), "--stderr", path("err.log").string(),
                      "--ready-fd", "3", "--", "sh", "-c", "echo 'config: bad port' >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("exited with status 3 before it was ready"));
  EXPECT_THAT(r.err, HasSubstr("config: bad port"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Cli, StartWaitsForTheReadinessLine) {
  const auto began = clock_type::now();
  const auto r = run({"start", "--pidfile", pidfile(), "--ready-fd", "3", "--", "sh", "-c",
                      "sleep 0.5; echo ready >&3; exec sleep 60"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(clock_type::now() - began, std::chrono::milliseconds(450));
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(Cli, AProgramNeverReadyIsKilledAtTheTimeout) {
  const auto r = run({"start", "--pidfile", pidfile(), "--ready-fd", "3", "--timeout", "500ms",
                      "--", "sleep", "60"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("did not signal readiness on fd 3 within 500ms"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Cli, AStalePidFileWithAReusedPidIsNeverSignalled) {
  const pid_t unrelated = ::fork();
  if (unrelated == 0) {
    ::pause();
    std::_Exit(0);
  }
  write_file(path("app.pid"), std::to_string(unrelated) + "\n");  // unlocked
  EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 1);
  const auto sig = run({"signal", "--pidfile", pidfile(), "KILL"});
  EXPECT_EQ(sig.exit_code, 1);
  EXPECT_THAT(sig.err, HasSubstr("stale"));
  const auto r = run({"stop", "--pidfile", pidfile()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("not signalled"));
  EXPECT_TRUE(alive(unrelated)) << "an unrelated process was killed";
}

TEST_F(Cli, SignalAndReloadReachTheDaemon) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "trap 'echo hup >> hups' HUP; trap 'echo usr1 >> hups' USR1; "
                 "while :; do sleep 0.05; done"})
                .exit_code,
            0);
  ::usleep(200'000);  // let the shell install its traps
  EXPECT_EQ(run({"reload", "--pidfile", pidfile()}).exit_code, 0);
  ::usleep(300'000);
  EXPECT_EQ(run({"signal", "--pidfile", pidfile(), "USR1"}).exit_code, 0);
  ::usleep(300'000);
  EXPECT_EQ(read_file(path("hups")), "hup\nusr1\n");
}

TEST_F(Cli, StopEndsTheChildrenThatHoldThePidFilesLockToo) {
  // The shell forks `sleep`, which inherits the lock: the daemon is gone only when it is.
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sh", "-c", "sleep 30; true"}).exit_code, 0);
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(is_locked(path("app.pid")));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 3);
  for (const pid_t kid : children()) {
    int status = 0;
    EXPECT_EQ(::waitpid(kid, &status, WNOHANG), kid) << "pid " << kid << " still runs";
  }
}

TEST_F(Cli, InterruptingStartStopsTheHalfStartedDaemon) {
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const pid_t starter = spawn([&] {
    ::execl(cli, cli, "start", "--pidfile", pidfile().c_str(), "--ready-fd", "3", "--", "sleep",
            "60", nullptr);
    std::_Exit(127);
  });
  for (int i = 0; i < 200 && !is_locked(path("app.pid")); ++i) ::usleep(10'000);
  ASSERT_TRUE(is_locked(path("app.pid")));
  ::kill(starter, SIGINT);
  int status = 0;
  ::waitpid(starter, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGINT) << status;
  EXPECT_THAT(read_file(path("invoker.stderr")), HasSubstr("interrupted by SIGINT"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  for (const pid_t kid : children()) {
    EXPECT_EQ(::waitpid(kid, &status, WNOHANG), kid) << "pid " << kid << " still runs";
  }
}

TEST_F(Cli, NotifyWaitsForReadyOnTheNotifySocket) {
  // A program that speaks sd_notify: python3 sends READY=1 after a delay.
  const std::string program =
      "import os, socket, time\n"
      "time.sleep(0.4)\n"
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "s.sendto(b'STATUS=warming up', os.environ['NOTIFY_SOCKET'])\n"
      "s.sendto(b'READY=1', os.environ['NOTIFY_SOCKET'])\n"
      "time.sleep(60)\n";
  write_file(path("ready.py"), program);
  const auto began = clock_type::now();
  const auto r = run({"start", "--pidfile", pidfile(), "--notify", "--", "python3",
                      path("ready.py").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(clock_type::now() - began, std::chrono::milliseconds(380));
  write_file(path("fail.py"),
             "import os, socket\n"
             "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
             "s.sendto(b'STATUS=cannot bind :80\\nERRNO=13', os.environ['NOTIFY_SOCKET'])\n"
             "raise SystemExit(4)\n");
  const auto f = run({"start", "--pidfile", path("b.pid").string(), "--notify", "--", "python3",
                      path("fail.py").string()});
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_THAT(f.err, HasSubstr("exited with status 4 before it was ready: cannot bind :80 (Permission denied)"));
}

TEST_F(Cli, RestartReplacesTheDaemon) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
  const long long first = pid_in_file();
  const auto r = run({"restart", "--pidfile", pidfile(), "--", "sleep", "61"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(pid_in_file(), first);
  EXPECT_FALSE(alive(first));
}

TEST_F(Cli, StatusIsUnknownForAnUnreadablePidFile) {
  fs::create_directory(path("app.pid"));
  const auto r = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.out, HasSubstr("not a regular file"));
}

TEST_F(Cli, UsageErrorsExitTwoNamingTheFlag) {
  auto r = run({"start", "--pidfile", pidfile(), "--bogus", "--", "sleep", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--bogus"));
  r = run({"start", "--pidfile", pidfile(), "--umask", "999", "--", "sleep", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--umask '999' is not an octal mode"));
  r = run({"start", "--pidfile", pidfile(), "--timeout", "soon", "--", "sleep", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--timeout 'soon' is not a duration"));
  r = run({"start", "--pidfile", pidfile(), "--ready-fd", "1", "--", "sleep", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--ready-fd 1"));
  r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/x/KILL"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--retry 'TERM/x/KILL'"));
  r = run({"start", "--", "sleep", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--pidfile is required"));
  r = run({"signal", "--pidfile", pidfile(), "NOPE"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("'NOPE' is not a signal"));
  EXPECT_EQ(run({"stop", "--help"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace daemoniker::testing
