// try_daemonize(): daemonization that never ends the invoking process. A failure comes back
// as an error (step, code, message, exit status) — nothing printed, nothing left behind — and
// the caller carries on (here: "runs in the foreground"); success gives the invoking process
// the daemon's pid and the daemon its preserved values. The messages are daemonize()'s.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/activation.hpp>
#include <daemoniker/daemoniker.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class TryDaemonize : public DaemonTest {
 protected:
  // In the invoking process after a failure: records the error, then "runs in the
  // foreground" — exits 7, which only a caller that carried on can do.
  template <class Result>
  [[noreturn]] void carry_on(const Result& r) {
    std::ofstream(path("error")) << "step=" << r.error().step << "\ncode=" << r.error().code.value()
                                 << "\ncategory=" << r.error().code.category().name()
                                 << "\nexit=" << r.error().exit_status
                                 << "\nmessage=" << r.error().message << "\n";
    std::_Exit(7);
  }
};

TEST_F(TryDaemonize, AFailureComesBackAndTheCallerCarriesOnWithNothingLeftBehind) {
  const auto r = invoke([&] {
    auto result = try_daemonize(path("nowhere/app.pid"), {}, 42);
    if (!result) carry_on(result);
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 7) << "the invoking process did not carry on";
  EXPECT_EQ(r.stderr_text, "") << "try_daemonize printed something";
  const std::string e = read_file(path("error"));
  EXPECT_THAT(e, HasSubstr("step=pid file\n"));
  EXPECT_THAT(e, HasSubstr("code=" + std::to_string(ENOENT) + "\ncategory=generic\n"));
  EXPECT_THAT(e, HasSubstr("exit=1\n"));
  EXPECT_THAT(e, HasSubstr("message=cannot daemonize: pid file: the pid file's directory"));
  EXPECT_THAT(e, HasSubstr("create it first"));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(TryDaemonize, InvalidOptionsComeBackWithExitStatusTwo) {
  const auto r = invoke([&] {
    auto result = try_daemonize(path("app.pid"), {.umask = 01000});
    if (!result) carry_on(result);
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_THAT(read_file(path("error")), HasSubstr("step=invalid options\n"));
  EXPECT_THAT(read_file(path("error")), HasSubstr("exit=2\n"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(TryDaemonize, ADaemonDyingBeforeConfirmingComesBackWithItsStatus) {
  const auto r = invoke([&] {
    daemonizer_with<await_ready<fork_handoff>> d;
    auto result = d.try_daemonize(path("app.pid"), {});
    if (!result) carry_on(result);
    if (result.is_daemon()) std::_Exit(3);  // dies before notify_ready()
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_THAT(read_file(path("error")), HasSubstr("step=startup\n"));
  EXPECT_THAT(read_file(path("error")), HasSubstr("exited with status 3 before confirming startup"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  for (const pid_t kid : children()) {
    EXPECT_EQ(::waitpid(kid, nullptr, WNOHANG), kid) << "pid " << kid << " still runs";
  }
}

TEST_F(TryDaemonize, ARejectedStartComesBackWithTheProgramsMessageAndCode) {
  const auto r = invoke([&] {
    daemonizer_with<await_ready<fork_handoff>> d;
    auto result = d.try_daemonize(path("app.pid"), {});
    if (!result) carry_on(result);
    if (result.is_daemon()) {
      notify_failed("cannot read the configuration", 6);
      std::exit(6);
    }
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 7);
  const std::string e = read_file(path("error"));
  EXPECT_THAT(e, HasSubstr("exit=6\n"));
  EXPECT_THAT(e, HasSubstr("could not start: cannot read the configuration"));
  EXPECT_THAT(e, HasSubstr("message=the daemon (pid "));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(TryDaemonize, SuccessGivesTheInvokerTheDaemonsPidAndTheDaemonItsValues) {
  const auto r = invoke([&] {
    auto result = try_daemonize(path("app.pid"), {.chdir = dir()}, std::string("hello"), 7);
    if (!result) carry_on(result);
    if (result.is_daemon()) {
      auto [word, number] = result.values();
      report_and_wait_for_term(dir(), {{"word", word}, {"number", std::to_string(number)}});
    }
    // The invoking process goes on after success too (no _exit behind its back).
    std::ofstream(path("invoker")) << "daemon_pid=" << result.daemon_pid() << "\n";
    std::_Exit(5);
  });
  EXPECT_EQ(r.exit_code, 5) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("word"), "hello");
  EXPECT_EQ(o.at("number"), "7");
  EXPECT_EQ(read_file(path("invoker")), "daemon_pid=" + o.at("pid") + "\n");
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  EXPECT_NE(o.at("sid"), o.at("pid"));
  stop(static_cast<pid_t>(std::stol(o.at("pid"))));
}

TEST_F(TryDaemonize, AfterAFailureTheCallerCanTryAgain) {
  // Already running: the error says so; once the other daemon is gone, a retry succeeds.
  ASSERT_EQ(invoke([&] {
              daemonize(path("app.pid"), {});
              report_and_wait_for_term(dir());
            }).exit_code,
            0);
  const auto first = await_observation();
  const auto r = invoke([&] {
    auto result = try_daemonize(path("app.pid"), {});
    if (result) std::_Exit(0);
    std::ofstream(path("first-error")) << result.error().message << "\n";
    ::kill(static_cast<pid_t>(std::stol(first.at("pid"))), SIGTERM);
    for (int i = 0; i < 500 && fs::exists(path("app.pid")); ++i) ::usleep(10'000);
    auto again = try_daemonize(path("app.pid"), {});
    if (!again) std::_Exit(9);
    if (again.is_daemon()) {
      for (;;) ::pause();
    }
    std::_Exit(again.daemon_pid() > 0 ? 8 : 10);
  });
  EXPECT_EQ(r.exit_code, 8) << r.stderr_text;
  EXPECT_THAT(read_file(path("first-error")), HasSubstr("already running (pid " + first.at("pid") + ")"));
}

// The caller goes on after every outcome with what it had: the same open descriptors (no
// channel, pid file or redirect target left open) and its own SIGCHLD disposition (SIG_IGN
// here, set to the default only while daemonize() waits). Each error names its step and code;
// two successes in one caller make two daemons, each with its pid file.
TEST_F(TryDaemonize, TheCallerKeepsItsDescriptorsAndSigchldAfterEveryOutcome) {
  const auto r = invoke([&] {
    ::signal(SIGCHLD, SIG_IGN);
    auto fds = [] {
      std::string out;
      for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        out += e.path().filename().string() + ",";
      }
      return out;
    };
    std::ofstream log(path("outcomes"));
    const std::string before = fds();
    auto note = [&](const char* what, const auto& result) {
      struct sigaction now {};
      ::sigaction(SIGCHLD, nullptr, &now);
      log << what << ": " << (result ? "ok" : result.error().step + " " +
                                                  std::to_string(result.error().code.value()))
          << (fds() == before ? "" : " fds changed: " + fds())
          << (now.sa_handler == SIG_IGN ? "" : " SIGCHLD no longer ignored") << "\n";
    };
    using ready = daemonizer_with<await_ready<fork_handoff>>;
    note("invalid", try_daemonize(path("app.pid"), {.umask = 01000}));
    note("no directory", try_daemonize(path("nowhere/app.pid"), {}));
    {
      auto result = try_daemonize(path("app.pid"), {.chdir = path("missing")});
      if (result.is_daemon()) std::_Exit(0);
      note("chdir", result);
    }
    {
      auto result = ready{}.try_daemonize(path("app.pid"), {.stdout_goto = path("log"),
                                          .success_timeout = std::chrono::milliseconds(200)});
      if (result.is_daemon()) {
        for (;;) ::pause();
      }
      note("timeout", result);
    }
    {
      auto result = ready{}.try_daemonize(path("app.pid"), {});
      if (result.is_daemon()) std::_Exit(3);
      note("died", result);
    }
    {
      auto result = ready{}.try_daemonize(path("app.pid"), {});
      if (result.is_daemon()) {
        notify_failed("no", 4);
        std::_Exit(4);
      }
      note("rejected", result);
    }
    for (const char* name : {"one.pid", "two.pid"}) {
      auto result = try_daemonize(path(name), {});
      if (result.is_daemon()) {
        for (;;) ::pause();
      }
      note(name, result);
      log << name << " daemon " << (result.daemon_pid() > 0) << "\n";
    }
    log.close();
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("outcomes")),
            "invalid: invalid options 0\n"
            "no directory: pid file " + std::to_string(ENOENT) + "\n"
            "chdir: chdir " + std::to_string(ENOENT) + "\n"
            "timeout: startup 0\n"
            "died: startup 0\n"
            "rejected: startup 0\n"
            "one.pid: ok\none.pid daemon 1\n"
            "two.pid: ok\ntwo.pid daemon 1\n");
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_TRUE(is_locked(path("one.pid")));
  EXPECT_TRUE(is_locked(path("two.pid")));
  EXPECT_NE(read_file(path("one.pid")), read_file(path("two.pid")));
}

// Under socket activation a failed attempt must leave the sockets where the caller finds them:
// the caller carries on — in the foreground, with its sockets — or retries. make_plan() takes
// LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES out of the environment before validate() fails, and
// listen_fds() is filled only in the daemon: after the failure the process has lost them, and
// the retry no longer sees socket activation, so it forks away and sweeps the sockets.
TEST_F(TryDaemonize, AFailureUnderSocketActivationLeavesTheSocketsForTheRetry) {
  const auto r = invoke([&] {
    int ends[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, ends);
    ::dup2(ends[0], 3);  // where systemd puts the first one
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_FDNAMES", "http", 1);
    const pid_t me = ::getpid();
    auto first = try_daemonize(path("nowhere/app.pid"), {});
    if (first) std::_Exit(3);
    std::ofstream out(path("result"));
    out << "after the failure: LISTEN_FDS " << (std::getenv("LISTEN_FDS") ? "set" : "unset") << "\n";
    auto again = try_daemonize(path("app.pid"), {});
    if (again.is_daemon() && ::getpid() != me) {
      for (;;) ::pause();  // forked away: the test's TearDown ends it
    }
    const auto fds = listen_fds();
    out << "retry: " << (!again ? "failed" : again.is_daemon() ? "in the foreground" : "forked")
        << ", listen_fds " << (fds.size() == 1 ? std::to_string(fds[0].fd) + ":" + fds[0].name : "none")
        << "\n";
    out.close();
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("result")),
            "after the failure: LISTEN_FDS set\nretry: in the foreground, listen_fds 3:http\n");
}

// In the foreground (foreground_handoff, or any supervisor detect_supervisor() knows) the
// settle steps run in the caller itself: umask, chdir and stdio are applied before the pid
// file is taken. When the pid file then fails, try_daemonize() returns — and the caller, which
// is to "carry on", does so with umask 027, in '/', its stdout in the daemon's log.
TEST_F(TryDaemonize, AFailureInTheForegroundLeavesTheCallersUmaskDirectoryAndStdio) {
  ASSERT_EQ(invoke([&] {
              daemonize(path("app.pid"), {});
              report_and_wait_for_term(dir());
            }).exit_code,
            0);
  const auto holder = await_observation();
  const auto r = invoke([&] {
    ::umask(022);
    if (::chdir(dir().c_str()) != 0) std::_Exit(3);
    const int out = ::open(path("caller.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::close(out);
    daemonizer_with<foreground_handoff> d;
    auto result = d.try_daemonize(path("app.pid"), {.chdir = "/", .stdout_goto = path("daemon.log")});
    if (result) std::_Exit(4);
    const mode_t mask = ::umask(0);
    char cwd[4096] = {}, out_path[4096] = {};
    if (::getcwd(cwd, sizeof cwd) == nullptr) std::_Exit(5);
    if (::readlink("/proc/self/fd/1", out_path, sizeof out_path - 1) < 0) std::_Exit(5);
    std::ofstream(path("state")) << "umask=" << std::oct << mask << "\ncwd=" << cwd
                                 << "\nstdout=" << out_path << "\n";
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("state")), "umask=22\ncwd=" + dir().string() + "\nstdout=" +
                                          path("caller.out").string() + "\n");
  stop(static_cast<pid_t>(std::stol(holder.at("pid"))));
}

// The same under socket activation, with the failure in the foreground handoff itself (the pid
// file is held by another daemon): the variables taken out of the environment for the attempt
// are back, fd 3 is still open, and the retry — once the other daemon is gone — stays in the
// foreground with the socket.
TEST_F(TryDaemonize, AFailureInTheForegroundUnderSocketActivationGivesTheVariablesBack) {
  ASSERT_EQ(invoke([&] {
              daemonize(path("app.pid"), {});
              report_and_wait_for_term(dir());
            }).exit_code,
            0);
  const auto holder = await_observation();
  const auto r = invoke([&] {
    int ends[2];
    ::socketpair(AF_UNIX, SOCK_STREAM, 0, ends);
    ::dup2(ends[0], 3);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_FDNAMES", "http", 1);
    auto first = try_daemonize(path("app.pid"), {});
    if (first) std::_Exit(3);
    auto variable = [](const char* name) {
      const char* value = std::getenv(name);
      return std::string(name) + " " + (value != nullptr ? value : "unset");
    };
    std::ofstream out(path("result"));
    out << first.error().step << "; " << variable("LISTEN_FDS") << ", "
        << variable("LISTEN_FDNAMES") << ", LISTEN_PID "
        << (std::getenv("LISTEN_PID") ? "set" : "unset") << ", fd 3 "
        << (::fcntl(3, F_GETFD) != -1 ? "open" : "closed") << "\n";
    out.flush();
    if (::kill(static_cast<pid_t>(std::stol(holder.at("pid"))), SIGTERM) != 0) std::_Exit(4);
    while (::access(path("app.pid").c_str(), F_OK) == 0) ::usleep(10'000);
    auto again = try_daemonize(path("app.pid"), {});
    const auto fds = listen_fds();
    out << "retry: " << (again && again.is_daemon() ? "in the foreground" : "not in the foreground")
        << ", listen_fds "
        << (fds.size() == 1 ? std::to_string(fds[0].fd) + ":" + fds[0].name : "none")
        << ", LISTEN_FDS " << (std::getenv("LISTEN_FDS") ? "set" : "unset") << "\n";
    out.close();
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("result")),
            "pid file; LISTEN_FDS 1, LISTEN_FDNAMES http, LISTEN_PID set, fd 3 open\n"
            "retry: in the foreground, listen_fds 3:http, LISTEN_FDS unset\n");
}

// Streams the caller had closed are closed again (redirect_stdio had put /dev/null on stdin),
// and a close-on-exec one stays so: fds 0-2 are put back exactly as they were.
TEST_F(TryDaemonize, AFailureInTheForegroundPutsBackClosedAndCloseOnExecStreams) {
  ASSERT_EQ(invoke([&] {
              daemonize(path("app.pid"), {});
              report_and_wait_for_term(dir());
            }).exit_code,
            0);
  const auto holder = await_observation();
  const auto r = invoke([&] {
    ::close(0);
    ::fcntl(2, F_SETFD, FD_CLOEXEC);
    daemonizer_with<foreground_handoff> d;
    auto result = d.try_daemonize(path("app.pid"),
                                  {.stdin_goto = "/dev/null", .stderr_goto = path("daemon.log")});
    if (result) std::_Exit(4);
    const bool stdin_closed = ::fcntl(0, F_GETFD) == -1;  // before a file takes fd 0
    char err_path[4096] = {};
    if (::readlink("/proc/self/fd/2", err_path, sizeof err_path - 1) < 0) std::_Exit(5);
    std::ofstream(path("state")) << "stdin " << (stdin_closed ? "closed" : "open")
                                 << "\nstderr " << err_path << " cloexec "
                                 << ((::fcntl(2, F_GETFD) & FD_CLOEXEC) != 0) << "\n";
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("state")),
            "stdin closed\nstderr " + path("invoker.stderr").string() + " cloexec 1\n");
  stop(static_cast<pid_t>(std::stol(holder.at("pid"))));
}

}  // namespace
}  // namespace daemoniker::testing
