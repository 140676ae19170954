// Black-box tests of daemoniker::daemonize(): each starts a real daemon from a forked invoking
// process and checks what a user relies on from outside — the daemon's session, the invoking
// process's exit status, the pid file's content and lock, umask, cwd, stdio, fds, signals, and
// the preserved arguments. Every daemon is stopped and reaped (DaemonTest::TearDown).
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class Daemonize : public DaemonTest {
 protected:
  // Starts a daemon with `opts` that reports itself and waits for SIGTERM; expects success and
  // returns its observation.
  observation start(const options& opts = {}) {
    const auto r = invoke([&] {
      daemonize(path("app.pid"), opts);
      report_and_wait_for_term(dir());
    });
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    return await_observation();
  }
};

TEST_F(Daemonize, InvokerExitsZeroOnlyOnceThePidFileHoldsTheDaemonsPid) {
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(r.stderr_text, "");
  // Read before waiting for anything the daemon does later: it must already be there.
  const std::string content = read_file(path("app.pid"));
  const auto o = await_observation();
  EXPECT_EQ(content, o.at("pid") + "\n");
}

TEST_F(Daemonize, DaemonIsInANewSessionButNotItsLeader) {
  const auto o = start();
  EXPECT_NE(o.at("sid"), std::to_string(::getsid(0))) << "still in the test's session";
  EXPECT_NE(o.at("sid"), o.at("pid")) << "a session leader could reacquire a terminal";
  EXPECT_EQ(o.at("pgid"), o.at("sid"));
  EXPECT_EQ(o.at("tty"), std::to_string(ENXIO)) << "the daemon has a controlling terminal";
  // The invoking process reaped the intermediate before exiting, so by now the daemon's parent
  // is the nearest subreaper: this test (init, outside a test).
  const std::string status = read_file("/proc/" + o.at("pid") + "/status");
  EXPECT_THAT(status, HasSubstr("\nPPid:\t" + std::to_string(::getpid()) + "\n"));
}

TEST_F(Daemonize, DaemonCannotReachTheInvokersControllingTerminal) {
  // Give the invoking process a real controlling terminal (a pty), or the check is vacuous.
  const auto r = invoke([&] {
    ::setsid();
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    ::grantpt(master);
    ::unlockpt(master);
    const int slave = ::open(::ptsname(master), O_RDWR);
    const bool has_tty = slave != -1 && ::ioctl(slave, TIOCSCTTY, 0) == 0 &&
                         ::open("/dev/tty", O_RDWR | O_NOCTTY) != -1;
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir(), {{"invoker_had_tty", has_tty ? "yes" : "no"}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("invoker_had_tty"), "yes") << "the control failed: no terminal to lose";
  EXPECT_EQ(o.at("tty"), std::to_string(ENXIO)) << "the daemon has a controlling terminal";
}

TEST_F(Daemonize, PidFileIsLockedReadableAndRemovedAtNormalExit) {
  const auto o = start();
  const fs::path pid_file = path("app.pid");
  EXPECT_TRUE(is_locked(pid_file));
  struct stat st {};
  ASSERT_EQ(::lstat(pid_file.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0644u) << "readable by everyone, whatever the umask";
  const int status = stop(std::stoi(o.at("pid")));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(fs::exists(pid_file)) << "not removed when the daemon exited";
  // No temporary file is left in the directory either.
  for (const auto& e : fs::directory_iterator(dir())) {
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp"))) << e.path();
  }
}

TEST_F(Daemonize, UmaskIsTheSpecsDefaultOrTheGivenOne) {
  EXPECT_EQ(start().at("umask"), std::to_string(0027));
  stop(std::stoi(await_observation().at("pid")));
  fs::remove(path("observed"));
  EXPECT_EQ(start({.umask = 0002}).at("umask"), std::to_string(0002));
}

TEST_F(Daemonize, WorkingDirectoryDefaultsToTheInvokersAndFollowsChdir) {
  const fs::path here = path("here");
  fs::create_directory(here);
  const auto r = invoke([&] {
    fs::current_path(here);
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("cwd"), here.string());
  stop(std::stoi(await_observation().at("pid")));
  fs::remove(path("observed"));
  EXPECT_EQ(start({.chdir = "/"}).at("cwd"), "/");
}

TEST_F(Daemonize, RelativePathsAreResolvedAgainstTheInvokersDirectoryBeforeChdir) {
  const auto r = invoke([&] {
    fs::current_path(dir());
    daemonize("rel.pid", {.chdir = "/", .stdout_goto = "rel.log"});
    std::printf("written after chdir\n");
    std::fflush(stdout);
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("rel.pid")), o.at("pid") + "\n");
  EXPECT_EQ(read_file(path("rel.log")), "written after chdir\n");
}

TEST_F(Daemonize, StdioGoesToDevNullByDefault) {
  const auto o = start();
  struct stat null {};
  ASSERT_EQ(::stat("/dev/null", &null), 0);
  const std::string devnull = std::to_string(null.st_dev) + ":" + std::to_string(null.st_ino) +
                              ":" + std::to_string(null.st_rdev);
  for (const char* fd : {"stdio0", "stdio1", "stdio2"}) {
    EXPECT_EQ(o.at(fd), devnull) << fd;
    EXPECT_EQ(o.at(std::string(fd) + "_cloexec"), "0") << fd << " would not reach children";
  }
}

TEST_F(Daemonize, StdoutAndStderrAppendToOneSharedFileAndKeepOldLines) {
  const fs::path log = path("app.log");
  write_file(log, "line from an earlier run\n");
  const auto r = invoke([&] {
    daemonize(path("app.pid"), {.stdout_goto = log, .stderr_goto = log});
    std::printf("to stdout\n");
    std::fflush(stdout);
    // One open file: stderr's offset moved with stdout's write.
    const bool shared = ::lseek(1, 0, SEEK_CUR) == ::lseek(2, 0, SEEK_CUR);
    std::fprintf(stderr, "to stderr\n");
    report_and_wait_for_term(dir(), {{"shared", shared ? "yes" : "no"}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("shared"), "yes");
  EXPECT_EQ(read_file(log), "line from an earlier run\nto stdout\nto stderr\n");
}

TEST_F(Daemonize, StdinReadsFromTheGivenFileAndNewLogsGetTheUmask) {
  write_file(path("in.txt"), "hello daemon\n");
  const auto r = invoke([&] {
    daemonize(path("app.pid"),
              {.stdin_goto = path("in.txt"), .stdout_goto = path("out.log"), .umask = 0077});
    char buf[64] = {};
    const ssize_t n = ::read(0, buf, sizeof buf - 1);
    report_and_wait_for_term(dir(), {{"stdin", std::string(buf, n > 0 ? n : 0)}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("stdin"), "hello daemon");
  struct stat st {};
  ASSERT_EQ(::stat(path("out.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Daemonize, SignalHandlersAreResetAndTheMaskIsEmpty) {
  const auto r = invoke([&] {
    ::signal(SIGUSR1, SIG_IGN);
    ::signal(SIGUSR2, [](int) {});
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    ::sigprocmask(SIG_BLOCK, &block, nullptr);
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("SigIgn"), "0000000000000000");
  EXPECT_EQ(o.at("SigCgt"), "0000000000000000");
  EXPECT_EQ(o.at("SigBlk"), "0000000000000000");
}

struct Config {
  int port = 0;
  std::string name;
  std::vector<double> weights;
  bool operator==(const Config&) const = default;
};
enum class Mode { quiet, loud };

TEST_F(Daemonize, PreservedArgumentsArriveIntact) {
  const Config config{8080, "echo service", {0.5, 2.25}};
  const auto r = invoke([&] {
    auto [port, name, path_arg, list, cfg, mode] =
        daemonize(path("app.pid"), 7000, std::string("alpha beta"), fs::path("/srv/x y"),
                  std::vector<std::string>{"a", "", "c"}, config, Mode::loud);
    const bool same = port == 7000 && name == "alpha beta" && path_arg == "/srv/x y" &&
                      list == std::vector<std::string>{"a", "", "c"} && cfg == config &&
                      mode == Mode::loud;
    report_and_wait_for_term(dir(), {{"args", same ? "intact" : "changed"}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("args"), "intact");
}

TEST_F(Daemonize, SecondStartIsRefusedAndLeavesTheRunningDaemonsFileAlone) {
  const auto first = start();
  const std::string before = read_file(path("app.pid"));
  const auto second = invoke([&] {
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir() / "never");
  });
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.stderr_text, HasSubstr("already running (pid " + first.at("pid") + ")"));
  EXPECT_THAT(second.stderr_text, HasSubstr(path("app.pid").string()));
  EXPECT_EQ(read_file(path("app.pid")), before);
  EXPECT_TRUE(is_locked(path("app.pid")));
  EXPECT_EQ(children().size(), 1u) << "the refused daemon is still around";
}

TEST_F(Daemonize, StalePidFileOfADeadDaemonIsReclaimed) {
  write_file(path("app.pid"), "999999\n");
  const auto o = start();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
}

TEST_F(Daemonize, PidFileNamingAnUnrelatedLiveProcessIsReclaimedWithoutTouchingIt) {
  const pid_t unrelated = ::fork();
  if (unrelated == 0) {
    ::pause();
    ::_exit(0);
  }
  write_file(path("app.pid"), std::to_string(unrelated) + "\n");  // not locked: stale
  const auto o = start();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  EXPECT_EQ(::kill(unrelated, 0), 0) << "the unrelated process was signalled";
  int status = 0;
  EXPECT_EQ(::waitpid(unrelated, &status, WNOHANG), 0) << "the unrelated process ended";
}

TEST_F(Daemonize, ForkedChildrenOfTheDaemonDoNotRemoveItsPidFile) {
  const auto r = invoke([&] {
    daemonize(path("app.pid"));
    const pid_t child = ::fork();
    if (child == 0) std::exit(0);  // runs atexit handlers, in another process
    ::waitpid(child, nullptr, 0);
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
}

// --- the fd sweep, for every shipped FdPolicy ----------------------------------------------

template <class Fd>
class FdSweep : public DaemonTest {};
using SweepingPolicies =
    ::testing::Types<auto_sweep, close_range_sweep, proc_fd_sweep, brute_force_sweep>;
TYPED_TEST_SUITE(FdSweep, SweepingPolicies);

TYPED_TEST(FdSweep, ClosesInheritedFdsButKeepsShieldedOnes) {
  const auto r = this->invoke([&] {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    const int top = static_cast<int>(lim.rlim_cur) - 1;  // the highest fd we may open
    int p[2];
    if (::pipe(p) != 0 || top < 1000) std::abort();  // two low fds, inherited
    // One high fd, one at the very top of the range, one shielded high one.
    if (::dup2(p[0], 700) != 700 || ::dup2(p[1], top) != top) std::abort();
    const int shielded = ::dup(p[0]);
    const int shielded_high = ::dup2(p[1], top - 7);
    if (shielded_high != top - 7) std::abort();
    daemonizer_with<TypeParam> d;
    d.daemonize(this->path("app.pid"), {.shielded_fds = {shielded, shielded_high}});
    report_and_wait_for_term(
        this->dir(), {{"inherited", std::to_string(p[0]) + "," + std::to_string(p[1]) +
                                        ",700," + std::to_string(top)},
                      {"shielded", std::to_string(shielded) + "," + std::to_string(shielded_high)}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = this->await_observation();
  const auto fds = split_ints(o.at("fds"));
  for (const int fd : split_ints(o.at("inherited"))) {
    EXPECT_THAT(fds, Not(::testing::Contains(fd))) << "fd " << fd << " survived the sweep";
  }
  for (const int fd : split_ints(o.at("shielded"))) {
    EXPECT_THAT(fds, ::testing::Contains(fd)) << "shielded fd " << fd << " was closed";
  }
  // 0, 1, 2, the shielded two and the pid file's lock: nothing else.
  EXPECT_EQ(fds.size(), 6u) << o.at("fds");
}

TEST_F(Daemonize, NoSweepKeepsEveryInheritedFd) {
  const auto r = invoke([&] {
    ::dup2(2, 600);
    daemonizer_with<no_sweep>{}.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(split_ints(await_observation().at("fds")), ::testing::Contains(600));
}

TEST_F(Daemonize, NoPidFilePolicyWritesNoFile) {
  const auto r = invoke([&] {
    daemonizer_with<no_pid_file>{}.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  await_observation();
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Daemonize, InheritStdioKeepsTheCallersStreams) {
  const fs::path out = path("caller.out");
  const auto r = invoke([&] {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::close(fd);
    daemonizer_with<inherit_stdio>{}.daemonize(path("app.pid"), {.stdout_goto = path("x")});
    std::printf("still the caller's stdout\n");
    std::fflush(stdout);
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  await_observation();
  EXPECT_EQ(read_file(out), "still the caller's stdout\n");
  EXPECT_FALSE(fs::exists(path("x")));
}

TEST_F(Daemonize, ACallerWithClosedStdioGetsAnIntactPidFile) {
  for (const bool inherit : {false, true}) {
    SCOPED_TRACE(inherit ? "inherit_stdio" : "redirect_stdio");
    fs::remove(path("observed"));
    const auto r = invoke([&] {
      ::close(0);
      ::close(1);  // stderr stays: the test reads the invoking process's messages from it
      const options opts{.stdout_goto = path("out.log")};
      if (inherit) {
        daemonizer_with<inherit_stdio>{}.daemonize(path("app.pid"), opts);
      } else {
        daemonize(path("app.pid"), opts);
      }
      std::printf("written to stdout\n");
      std::fflush(stdout);
      report_and_wait_for_term(dir());
    });
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    const auto o = await_observation();
    EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n") << "stdout went into the pid file";
    EXPECT_NE(o.at("stdio0"), "closed");
    EXPECT_NE(o.at("stdio1"), "closed");
    stop(std::stoi(o.at("pid")));
  }
}

TEST_F(Daemonize, ACallerIgnoringSigchldStillLearnsTheOutcome) {
  const auto r = invoke([&] {
    ::signal(SIGCHLD, SIG_IGN);
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("SigIgn"), "0000000000000000") << "SIGCHLD still ignored";
}

TEST_F(Daemonize, GlibcInternalSignalHandlersSurviveTheReset) {
  // set*id() in a threaded process makes glibc install its SIGSETXID handler, once per
  // process. If the daemon reset it to the default, its next threaded setgid() would kill it.
  const auto r = invoke([&] {
    std::thread t([] { ::usleep(100'000); });
    if (::setgid(::getgid()) != 0) std::abort();
    t.join();
    daemonize(path("app.pid"));
    std::thread t2([] { ::usleep(100'000); });
    const bool ok = ::setgid(::getgid()) == 0;  // broadcasts SIGSETXID to t2
    t2.join();
    report_and_wait_for_term(dir(), {{"setgid", ok ? "survived" : "failed"}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("setgid"), "survived");
}

TEST_F(Daemonize, ADaemonStartedByADaemonHoldsItsOwnLock) {
  const auto r = invoke([&] {
    daemonize(path("a.pid"));
    const pid_t child = ::fork();
    if (child == 0) {
      daemonize(path("b.pid"));  // a second daemonization in a descendant
      report_and_wait_for_term(dir());
    }
    ::waitpid(child, nullptr, 0);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
    int sig = 0;
    ::sigwait(&term, &sig);
    std::exit(0);
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("b.pid")), o.at("pid") + "\n");
  EXPECT_TRUE(is_locked(path("b.pid")));
  EXPECT_TRUE(is_locked(path("a.pid")));
}

TEST_F(Daemonize, ConcurrentStartersYieldExactlyOneDaemon) {
  constexpr int kStarters = 8;
  std::vector<pid_t> starters;
  for (int i = 0; i < kStarters; ++i) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int err = ::open(path("starter" + std::to_string(i)).c_str(),
                             O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(err, 2);
      daemonize(path("app.pid"));
      report_and_wait_for_term(dir());
    }
    starters.push_back(pid);
  }
  int succeeded = 0;
  std::vector<std::string> refusals;
  for (int i = 0; i < kStarters; ++i) {
    int status = 0;
    ::waitpid(starters[i], &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) {
      ++succeeded;
    } else {
      EXPECT_EQ(WEXITSTATUS(status), 1);
      refusals.push_back(read_file(path("starter" + std::to_string(i))));
    }
  }
  EXPECT_EQ(succeeded, 1);
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  for (const auto& text : refusals) {
    EXPECT_THAT(text, HasSubstr("already running (pid " + o.at("pid") + ")"));
  }
  EXPECT_EQ(children().size(), 1u);
}

TEST_F(Daemonize, AMultiThreadedCallerIsRefusedNamingTheReexecHandoff) {
  const auto r = invoke([&] {
    std::thread([] { ::pause(); }).detach();
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("this process runs 2 threads"));
  EXPECT_THAT(r.stderr_text, HasSubstr("daemoniker::reexec_handoff"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Daemonize, AMultiThreadedCallerMayOptIn) {
  const auto r = invoke([&] {
    std::thread([] { ::pause(); }).detach();
    basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep, fork_handoff> d{
        {}, {}, {}, fork_handoff{.allow_threads = true}};
    d.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(read_file(path("app.pid")), await_observation().at("pid") + "\n");
}

}  // namespace
}  // namespace daemoniker::testing
