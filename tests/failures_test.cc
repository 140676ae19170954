// Every failure reaches the invoking process: it prints one line naming the step, the path, the
// errno text and the fix, exits non-zero, and leaves nothing behind — no pid file, no
// temporary file, no process. Faults are injected through daemoniker's system-call seam
// (daemoniker/src/sys_faults.hpp) in the invoking process; fork() carries them into the daemon.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/policy/reexec.hpp>
#include "daemoniker/src/sys_faults.hpp"
#include "tests/reliability_faults.hpp"

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using detail::sys;

class Failure : public DaemonTest {
 protected:
  // Runs daemonize() with `opts` after `setup` ran in the invoking process; the daemon, if it
  // ever starts, reports and waits like any other.
  invocation attempt(const options& opts, const std::function<void()>& setup = [] {}) {
    return invoke([&] {
      setup();
      daemonize(path("app.pid"), opts);
      report_and_wait_for_term(dir());
    });
  }

  // Nothing is left: no pid file, no temporary file beside it, no process. Must be called
  // right after attempt() returned (the invoking process has exited).
  void expect_nothing_left(const std::string& except = "") {
    for (const auto& e : fs::directory_iterator(dir())) {
      const std::string name = e.path().filename().string();
      if (name == "invoker.stderr" || name == except) continue;
      ADD_FAILURE() << "left behind: " << e.path();
    }
    EXPECT_THAT(children(), ::testing::IsEmpty()) << "a process was left behind";
  }
};

// --- invalid options: exit 2 before anything forks --------------------------------------------

struct BadOptions {
  const char* name;
  std::function<void(options&)> spoil;
  const char* message;
};

class InvalidOptions : public Failure, public ::testing::WithParamInterface<BadOptions> {};

TEST_P(InvalidOptions, AreRefusedWithExitTwoAndAMessageNamingTheFix) {
  options opts;
  GetParam().spoil(opts);
  const auto r = attempt(opts);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("cannot daemonize: invalid options: "),
                                   HasSubstr(GetParam().message)));
  EXPECT_EQ(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n'), 1) << "one line";
  expect_nothing_left();
}

INSTANTIATE_TEST_SUITE_P(
    Daemonize, InvalidOptions,
    ::testing::Values(
        BadOptions{"UmaskTooLarge", [](options& o) { o.umask = 01000; },
                   "options::umask 01000 is out of range"},
        BadOptions{"FallbackLimitTooSmall", [](options& o) { o.fd_fallback_limit = 3; },
                   "options::fd_fallback_limit 3 is too small"},
        BadOptions{"ZeroTimeout", [](options& o) { o.success_timeout = {}; },
                   "options::success_timeout is 0 ms: it must be positive"},
        BadOptions{"NegativeTimeout",
                   [](options& o) { o.success_timeout = std::chrono::seconds(-1); },
                   "must be positive"},
        BadOptions{"NegativeShieldedFd", [](options& o) { o.shielded_fds = {-1}; },
                   "options::shielded_fds contains -1"},
        BadOptions{"ShieldedStdio", [](options& o) { o.shielded_fds = {1}; },
                   "use daemoniker::inherit_stdio"},
        BadOptions{"ShieldedFdNotOpen", [](options& o) { o.shielded_fds = {987}; },
                   "987, which is not open in the invoking process"},
        BadOptions{"EmptyStdoutPath", [](options& o) { o.stdout_goto = ""; },
                   "options::stdout_goto is an empty path"},
        BadOptions{"EmptyChdir", [](options& o) { o.chdir = ""; },
                   "options::chdir is an empty path"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(Failure, EmptyPidFilePathIsRefusedNamingNoPidFileAsTheAlternative) {
  const auto r = invoke([&] {
    daemonize("");
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.stderr_text, HasSubstr("the pid file path is empty"));
  EXPECT_THAT(r.stderr_text, HasSubstr("daemoniker::no_pid_file"));
  expect_nothing_left();
}

TEST_F(Failure, DuplicateShieldedFdsAreAccepted) {
  const auto again = invoke([&] {
    ::dup2(2, 40);
    daemonize(path("app.pid"), {.shielded_fds = {40, 40}});
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(again.exit_code, 0) << again.stderr_text;
  EXPECT_THAT(split_ints(await_observation().at("fds")), ::testing::Contains(40));
}

// --- steps that fail in the daemon: exit 1, the step and path named ---------------------------

TEST_F(Failure, MissingChdirTargetIsReportedWithItsPath) {
  const auto r = attempt({.chdir = path("no/such/dir")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text,
              AllOf(HasSubstr("chdir: cannot change directory to '" + path("no/such/dir").string()),
                    HasSubstr("No such file or directory"), HasSubstr("options::chdir")));
  expect_nothing_left();
}

TEST_F(Failure, StdoutTargetThatIsADirectoryIsReported) {
  fs::create_directory(path("logs"));
  const auto r = attempt({.stdout_goto = path("logs")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("stdout redirect: cannot open stdout_goto '" +
                                             path("logs").string()),
                                   HasSubstr("Is a directory"), HasSubstr("name a file")));
  expect_nothing_left("logs");
}

TEST_F(Failure, StderrTargetInAMissingDirectoryIsReported) {
  const auto r = attempt({.stderr_goto = path("missing/err.log")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("stderr redirect"), HasSubstr("missing/err.log"),
                                   HasSubstr("No such file or directory")));
  expect_nothing_left();
}

TEST_F(Failure, FifoWithoutAReaderFailsInsteadOfHanging) {
  ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
  const auto r = attempt({.stdout_goto = path("pipe")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("stdout redirect"), HasSubstr("no reader")));
  expect_nothing_left("pipe");
}

TEST_F(Failure, PidFileDirectoryThatDoesNotExistIsReportedBeforeForking) {
  const auto r = invoke([&] {
    daemonize(path("nowhere/app.pid"));
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("pid file"), HasSubstr(path("nowhere").string()),
                                   HasSubstr("create it first")));
  expect_nothing_left();
}

TEST_F(Failure, PidFileThatIsASymlinkIsRefusedAndItsTargetUntouched) {
  write_file(path("target"), "precious\n");
  fs::create_symlink(path("target"), path("app.pid"));
  const auto r = attempt({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is a symbolic link"));
  EXPECT_EQ(read_file(path("target")), "precious\n");
  EXPECT_TRUE(fs::is_symlink(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Failure, PidFileThatIsADanglingSymlinkIsRefusedAndNothingCreated) {
  fs::create_symlink(path("target"), path("app.pid"));
  const auto r = attempt({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is a symbolic link"));
  EXPECT_FALSE(fs::exists(path("target")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Failure, PidFileThatIsADirectoryOrFifoIsRefused) {
  fs::create_directory(path("app.pid"));
  auto r = attempt({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is not a regular file"));
  fs::remove(path("app.pid"));
  ASSERT_EQ(::mkfifo(path("app.pid").c_str(), 0600), 0);
  r = attempt({});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is not a regular file"));
  expect_nothing_left("app.pid");
}

// The other shapes of a pid file path that cannot be one, each refused before anything forks
// with the problem and the fix, nothing created: a trailing slash (invalid options, exit 2, as
// on Windows), '.' and '..' as the last component (not a regular file), and a "directory" that
// is a regular file.
TEST_F(Failure, PidFilePathsThatNameNoFileAreRefusedAndNothingIsCreated) {
  fs::create_directory(path("run"));
  write_file(path("plain"), "");
  struct shape {
    fs::path pid_file;
    int exit_code;
    const char* message;
  };
  for (const shape& s :
       {shape{path("run") / "", 2, "names a directory: add a file name, such as myapp.pid"},
        shape{path("run") / ".", 1, "is not a regular file"},
        shape{path("run") / "..", 1, "is not a regular file"},
        shape{path("plain") / "app.pid", 1, "is not usable: create it first: Not a directory"}}) {
    SCOPED_TRACE(s.pid_file.string());
    const auto r = invoke([&] {
      daemonize(s.pid_file);
      report_and_wait_for_term(dir());
    });
    EXPECT_EQ(r.exit_code, s.exit_code);
    EXPECT_THAT(r.stderr_text, HasSubstr(s.message));
    EXPECT_EQ(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n'), 1) << "one line";
    for (const auto& e : fs::directory_iterator(dir())) {
      const std::string name = e.path().filename().string();
      EXPECT_TRUE(name == "invoker.stderr" || name == "run" || name == "plain") << e.path();
    }
    EXPECT_TRUE(fs::is_empty(path("run")));
    EXPECT_THAT(children(), ::testing::IsEmpty()) << "a process was left behind";
  }
}

// A pid file path of some 1200 bytes — a third of PATH_MAX, accepted by validate() — still gets
// a refusal that names the problem and the fix. The texts are built into step_status::subject
// (1024 bytes), path first, so the path pushes out all that follows it: the user reads the
// path cut off mid-name, without "is a symbolic link" or "create it first".
TEST_F(Failure, ARefusalForALongPidFilePathStillNamesTheProblemAndTheFix) {
  fs::path deep = dir();
  for (char c = 'a'; c <= 'e'; ++c) deep /= std::string(200, c);
  fs::create_directories(deep);
  ASSERT_GT(deep.string().size(), 1024u);
  ASSERT_LT(deep.string().size() + 8, static_cast<std::size_t>(PATH_MAX - 64));
  fs::create_symlink(path("target"), deep / "app.pid");
  auto r = invoke([&] {
    daemonize(deep / "app.pid");
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("is a symbolic link"), HasSubstr("remove the link")))
      << "symlink";
  EXPECT_FALSE(fs::exists(path("target")));
  fs::remove(deep / "app.pid");
  fs::create_directory(deep / "app.pid");
  r = invoke([&] {
    daemonize(deep / "app.pid");
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("is not a regular file")) << "directory";
  r = invoke([&] {
    daemonize(deep / "missing" / "app.pid");
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("create it first")) << "missing directory";
  EXPECT_FALSE(fs::exists(deep / "missing"));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

// In the foreground (foreground_handoff; under systemd, runit, s6, a container init) stdio is
// redirected in the invoking process itself, before the pid file is taken. A pid file refused
// there is printed onto the new stderr — the daemon's log file — and the shell, or the journal,
// sees an exit status 1 with no line at all.
TEST_F(Failure, AFailureInTheForegroundIsPrintedWhereTheCallerSeesIt) {
  ASSERT_EQ(invoke([&] {
              daemonize(path("app.pid"));
              report_and_wait_for_term(dir());
            }).exit_code,
            0);
  const auto holder = await_observation();
  const auto r = invoke([&] {
    daemonizer_with<foreground_handoff>{}.daemonize(path("app.pid"),
                                                    {.stderr_goto = path("daemon.log")});
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("already running (pid " + holder.at("pid") + ")"));
  EXPECT_EQ(read_file(path("daemon.log")), "") << "the failure went to the daemon's log";
  stop(static_cast<pid_t>(std::stol(holder.at("pid"))));
}

// In the foreground, what settling changes in the caller is kept first, to be put back; when
// that cannot be done, nothing has been changed yet: the failure says so and nothing is left.
TEST_F(Failure, AForegroundThatCannotKeepTheCallersDirectoryChangesNothing) {
  const auto r = invoke([&] {
    sys().open = [](const char* name, int flags, mode_t mode) noexcept {
      if ((flags & O_PATH) == 0) return detail::real_syscalls().open(name, flags, mode);
      errno = EMFILE;
      return -1;
    };
    daemonizer_with<foreground_handoff>{}.daemonize(path("app.pid"),
                                                    {.stdout_goto = path("out.log")});
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("cannot daemonize: handoff: keeping the working directory, "
                                       "to return to if settling fails: Too many open files"));
  expect_nothing_left();
}

// --- injected faults, one per step ---------------------------------------------------------

struct Fault {
  const char* name;
  std::function<void(detail::syscalls&)> inject;
  const char* message;
};

class InjectedFault : public Failure, public ::testing::WithParamInterface<Fault> {};

TEST_P(InjectedFault, IsReportedNamingTheStepAndLeavesNothing) {
  const auto r = attempt({.stdout_goto = path("out.log")}, [&] { GetParam().inject(sys()); });
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr(GetParam().message));
  expect_nothing_left("out.log");
}

// Fails the n-th call of a seam entry (counting in the process that calls it) with `err`.
#define FAIL_WITH(entry, err, ...)                                                   \
  [](detail::syscalls& s) {                                                          \
    s.entry = [](auto... a) noexcept -> decltype(detail::real_syscalls().entry(a...)) { \
      (void)sizeof...(a);                                                            \
      errno = err;                                                                   \
      return -1;                                                                     \
    };                                                                               \
  }

// Fork fails only in the first child (the second fork), not in the invoking process.
pid_t invoker_pid = 0;
pid_t fork_fails_after_the_first() noexcept {
  if (::getpid() != invoker_pid) {
    errno = EAGAIN;
    return -1;
  }
  return detail::real_syscalls().fork();
}

// True in the daemon itself: neither the invoking process nor the session-leading first child.
bool in_daemon() noexcept { return ::getpid() != invoker_pid && ::getsid(0) != ::getpid(); }

ssize_t daemon_send_fails(int fd, const void* b, std::size_t n, int f) noexcept {
  if (!in_daemon()) return detail::real_syscalls().send(fd, b, n, f);
  errno = EPIPE;
  return -1;
}

ssize_t daemon_send_exits_5(int fd, const void* b, std::size_t n, int f) noexcept {
  if (!in_daemon()) return detail::real_syscalls().send(fd, b, n, f);
  ::_exit(5);
}

// flock fails only on the pid file's own candidate (the invoking process never calls it).
int flock_fails(int, int) noexcept {
  errno = ENOLCK;
  return -1;
}

ssize_t write_fails_no_space(int, const void*, std::size_t) noexcept {
  errno = ENOSPC;
  return -1;
}

int linkat_fails_no_space(int, const char*, int, const char*, int) noexcept {
  errno = ENOSPC;
  return -1;
}

int dup2_fails(int, int) noexcept {
  errno = EBADF;
  return -1;
}

int close_range_fails(unsigned, unsigned, int) noexcept {
  errno = ENOSYS;
  return -1;
}

INSTANTIATE_TEST_SUITE_P(
    Daemonize, InjectedFault,
    ::testing::Values(
        Fault{"FirstFork", FAIL_WITH(fork, EAGAIN), "fork: fork() failed: Resource temporarily"},
        Fault{"Setsid", FAIL_WITH(setsid, EPERM), "setsid: setsid() failed: Operation not permitted"},
        Fault{"SecondFork",
              [](detail::syscalls& s) {
                invoker_pid = ::getpid();
                s.fork = fork_fails_after_the_first;
              },
              "second fork: fork() failed: Resource temporarily unavailable"},
        Fault{"Chdir", FAIL_WITH(chdir, EACCES), "chdir: cannot change directory"},
        Fault{"Dup2", [](detail::syscalls& s) { s.dup2 = dup2_fails; },
              "stdin redirect: cannot open stdin_goto '/dev/null' for reading: Bad file"},
        Fault{"PidLock", [](detail::syscalls& s) { s.flock = flock_fails; },
              "app.pid' cannot be locked: No locks available"},
        Fault{"PidWrite", [](detail::syscalls& s) { s.write = write_fails_no_space; },
              "cannot be written: No space left on device"},
        Fault{"PidPublish", [](detail::syscalls& s) { s.linkat = linkat_fails_no_space; },
              "cannot be created: No space left on device"},
        Fault{"Confirmation",
              [](detail::syscalls& s) {
                invoker_pid = ::getpid();
                s.send = daemon_send_fails;
              },
              "exited with status 1 before confirming startup"},
        Fault{"Channel", FAIL_WITH(socketpair, EMFILE),
              "error channel: cannot create the channel to the daemon: Too many open files"}),
    [](const auto& info) { return std::string(info.param.name); });

// The open descriptors of this process, as "3,4,7".
std::string open_fds() {
  std::string out;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    out += e.path().filename().string() + ",";
  }
  return out;
}

// socketpair() fails from its `socketpair_fails_at`-th call on (counted in this process).
int socketpair_calls = 0;
int socketpair_fails_at = 0;
int counted_socketpair(int domain, int type, int protocol, int sv[2]) noexcept {
  if (++socketpair_calls >= socketpair_fails_at) {
    errno = EMFILE;
    return -1;
  }
  return detail::real_syscalls().socketpair(domain, type, protocol, sv);
}

// try_daemonize() is for a caller that goes on — and may retry. When the second (or third)
// channel cannot be made, the ones already made must be closed: fork_handoff leaks `down`
// (start_daemon returns on `up` without closing it), reexec_handoff leaks `hand` (and `down`).
// A caller retrying at EMFILE then runs out of descriptors for good.
TEST_F(Failure, AChannelThatCannotBeMadeLeavesNoDescriptorOfTheOthersBehind) {
  const auto r = invoke([&] {
    std::ofstream log(path("leaks"));
    auto attempt_with = [&](auto daemonizer, const char* name, int fails_at) {
      socketpair_calls = 0;
      socketpair_fails_at = fails_at;
      sys().socketpair = counted_socketpair;
      const std::string before = open_fds();
      auto result = daemonizer.try_daemonize(path("app.pid"), {});
      sys().socketpair = detail::real_syscalls().socketpair;
      if (result) std::_Exit(3);
      const std::string after = open_fds();
      if (after != before) {
        log << name << " failing at socketpair #" << fails_at << ": before " << before
            << " after " << after << " (" << result.error().message << ")\n";
      }
    };
    for (int i = 0; i < 2; ++i) {  // a retry too
      attempt_with(daemonizer_with<fork_handoff>{}, "fork_handoff", 2);
      attempt_with(daemonizer_with<reexec_handoff>{}, "reexec_handoff", 2);
      attempt_with(daemonizer_with<reexec_handoff>{}, "reexec_handoff", 3);
    }
    log.close();
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  EXPECT_EQ(read_file(path("leaks")), "");
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

// --- reports that make no sense: the daemon's channel carries a record it should not -------
//
// The daemon's reports cross to the first child, which relays them as they are. A program that
// scribbles on its pending channel (it is an open fd in the daemon until notify_ready), or a
// daemon-side bug, can send any record; these rewrite the daemon's `ready` on its way out.

// daemoniker/src/wire.hpp's record, as it crosses the channel.
struct wire_record {
  std::uint32_t magic;
  std::uint32_t kind;  // hello = 1, ready = 2, failed = 3, died = 4, extend = 5, rejected = 6
  std::int64_t pid;
  std::int64_t wait_status;
  step_status status;
};
constexpr std::uint32_t kRecordMagic = 0x4b4e4d44;
std::uint32_t forged_kind = 0;
std::int64_t forged_pid = 0;

// In the daemon: its `ready` goes out as `forged_kind` naming `forged_pid`.
ssize_t daemon_sends_forged_ready(int fd, const void* b, std::size_t n, int f) noexcept {
  wire_record r;
  if (in_daemon() && n == sizeof r) {
    std::memcpy(&r, b, n);
    if (r.magic == kRecordMagic && r.kind == 2) {
      r.kind = forged_kind;
      r.pid = forged_pid;
      return detail::real_syscalls().send(fd, &r, n, f);
    }
  }
  return detail::real_syscalls().send(fd, b, n, f);
}

// daemon_pid() is "the daemon's pid, as the handoff knows it" — and the handoff knows it: the
// first child forked it and said so (hello). A `ready` naming pid 1 or the invoking process
// itself is taken instead (verdict.cc: report.pid > 0 wins), so a caller that later signals
// daemon_pid() signals init, or itself. Pid 0 or a negative pid falls back to the right one.
TEST_F(Failure, AReadyNamingAnotherProcessIsNotTakenForTheDaemonsPid) {
  for (const std::int64_t named : {std::int64_t{1}, std::int64_t{-1} /* the invoker's own */}) {
    SCOPED_TRACE(named);
    const auto r = invoke([&] {
      invoker_pid = ::getpid();
      forged_kind = 2;
      forged_pid = named == -1 ? ::getpid() : named;
      sys().send = daemon_sends_forged_ready;
      daemonizer_with<await_ready<fork_handoff>> d;
      auto result = d.try_daemonize(path("app.pid"), {});
      if (result && result.is_daemon()) {
        notify_ready();
        for (;;) ::pause();
      }
      std::ofstream(path("invoker")) << (result ? std::to_string(result.daemon_pid()) : "failed")
                                     << "\n";
      std::_Exit(7);
    });
    EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
    const std::string daemon = read_file(path("app.pid"));
    ASSERT_FALSE(daemon.empty());
    EXPECT_EQ(read_file(path("invoker")), daemon) << "daemon_pid() is not the daemon's pid";
    stop(static_cast<pid_t>(std::stol(daemon)));
  }
}

// Only the first child may say who the daemon is (hello) or how it died (died); the first child
// relays whatever the daemon sends, and the invoking process believes it. A `hello` from the
// daemon naming another process: the first child exits after relaying it, the invoking process
// takes the EOF for the first child's death and SIGKILLs the named process — here an innocent
// child of the test — while the real daemon is killed without its pid file being reclaimed.
TEST_F(Failure, AHelloFromTheDaemonGetsNoOtherProcessKilledAndLeavesNothing) {
  const pid_t innocent = ::fork();
  if (innocent == 0) {
    for (;;) ::pause();
  }
  const auto r = invoke([&] {
    invoker_pid = ::getpid();
    forged_kind = 1;
    forged_pid = innocent;
    sys().send = daemon_sends_forged_ready;
    daemonizer_with<await_ready<fork_handoff>> d;
    auto result = d.try_daemonize(path("app.pid"), {.success_timeout = std::chrono::seconds(5)});
    if (result && result.is_daemon()) {
      notify_ready();
      for (;;) ::pause();
    }
    std::_Exit(result ? 0 : 7);
  });
  EXPECT_EQ(::waitpid(innocent, nullptr, WNOHANG), 0) << "the innocent process was killed";
  ::kill(innocent, SIGKILL);
  ::waitpid(innocent, nullptr, 0);
  if (r.exit_code != 0) {
    EXPECT_FALSE(fs::exists(path("app.pid"))) << "a failed start left its pid file";
  }
}

// A `died` from a daemon that runs on: the invoking process reports that the daemon exited
// before confirming (exit 1 from daemonize(), an error from try_daemonize()) while the daemon
// runs, confirmed in all but name, holding its pid file — a failure that leaves a daemon
// behind.
TEST_F(Failure, ADiedReportFromADaemonThatRunsOnLeavesNoDaemonBehindAFailure) {
  const auto r = invoke([&] {
    invoker_pid = ::getpid();
    forged_kind = 4;
    forged_pid = 0;
    sys().send = daemon_sends_forged_ready;
    daemonizer_with<await_ready<fork_handoff>>{}.daemonize(path("app.pid"), {});
    notify_ready();
    report_and_wait_for_term(dir());
  });
  ASSERT_NE(r.exit_code, 0) << "the start was reported as a success";
  EXPECT_THAT(r.stderr_text, HasSubstr("garbled report from the daemon"));
  ::usleep(200'000);  // let a daemon that goes on write its observation
  // It may have written it in the instant between its report and its end: it must be gone.
  if (fs::exists(path("observed"))) {
    const pid_t daemon = std::stoi(await_observation().at("pid"));
    EXPECT_NE(::kill(daemon, 0), 0) << "the daemon runs on after the failure was reported";
  }
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "a failed start left its pid file";
  for (const pid_t kid : children()) {
    EXPECT_EQ(::waitpid(kid, nullptr, WNOHANG), kid) << "pid " << kid << " still runs";
  }
}

TEST_F(Failure, ClosingFallsBackWhenCloseRangeIsUnavailable) {
  const auto r = invoke([&] {
    sys().close_range = close_range_fails;
    ::dup2(2, 77);
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(split_ints(await_observation().at("fds")), ::testing::Not(::testing::Contains(77)));
}

TEST_F(Failure, CloseRangeSweepReportsItsFailure) {
  const auto r = invoke([&] {
    sys().close_range = close_range_fails;
    daemonizer_with<close_range_sweep>{}.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("fd sweep: closing inherited file descriptors "
                                             "failed (close_range): Function not implemented"),
                                   HasSubstr("brute_force_sweep")));
  expect_nothing_left();
}

// --- daemons that die, crash or hang before confirming --------------------------------------

int chdir_then_exit_3(const char*) noexcept { ::_exit(3); }
int chdir_then_crash(const char*) noexcept {
  ::raise(SIGSEGV);
  return -1;
}
int chdir_then_hang(const char*) noexcept {
  ::sleep(60);
  return -1;
}

TEST_F(Failure, DaemonExitingBeforeConfirmingIsReportedWithItsStatus) {
  const auto r = attempt({}, [] { sys().chdir = chdir_then_exit_3; });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("exited with status 3 before confirming startup"));
  expect_nothing_left();
}

TEST_F(Failure, DaemonKilledBeforeConfirmingIsReportedWithTheSignal) {
  const auto r = attempt({}, [] { sys().chdir = chdir_then_crash; });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("was killed by SIGSEGV"));
  expect_nothing_left();
}

TEST_F(Failure, DaemonThatNeverConfirmsIsKilledAfterTheTimeout) {
  const auto r = attempt({.success_timeout = std::chrono::milliseconds(300)},
                         [] { sys().chdir = chdir_then_hang; });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("did not confirm startup within 0.3 s"),
                                   HasSubstr("was killed"), HasSubstr("success_timeout")));
  // The killed daemon is our child (subreaper); it must be dead, at most a zombie to reap.
  for (const pid_t kid : children()) {
    int status = 0;
    EXPECT_EQ(::waitpid(kid, &status, WNOHANG), kid) << "pid " << kid << " still runs";
  }
  expect_nothing_left();
}

TEST_F(Failure, DaemonDyingAfterWritingItsPidFileLeavesNoPidFile) {
  // The crash comes after the pid file was published: the invoking process reclaims it.
  const auto r = attempt({}, [] {
    invoker_pid = ::getpid();
    sys().send = daemon_send_exits_5;
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("exited with status 5"));
  expect_nothing_left();
}

// The daemon itself undoes its pid file when it cannot confirm; the invoking process's
// clean-up is switched off here to prove it.
struct pid_file_without_reclaim : locked_pid_file {
  void reclaim(const plan&, long long) noexcept {}
};

TEST_F(Failure, DaemonThatCannotConfirmRemovesItsOwnPidFile) {
  const auto r = invoke([&] {
    invoker_pid = ::getpid();
    sys().send = daemon_send_fails;
    basic_daemonizer<pid_file_without_reclaim>{}.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  expect_nothing_left();
}

int linkat_without_proc(int a, const char* from, int b, const char* to, int flags) noexcept {
  if (std::strncmp(from, "/proc/", 6) == 0) {
    errno = ENOENT;
    return -1;
  }
  return detail::real_syscalls().linkat(a, from, b, to, flags);
}

class PidFileFallback : public Failure, public ::testing::WithParamInterface<int> {};

TEST_P(PidFileFallback, PublishesThroughAHiddenTemporaryFileAndRemovesIt) {
  const auto r = invoke([&] {
    if (GetParam() == 0) sys().open = open_without_tmpfile;
    if (GetParam() == 1) sys().linkat = linkat_without_proc;
    daemonize(path("app.pid"));
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  EXPECT_TRUE(is_locked(path("app.pid")));
  for (const auto& e : fs::directory_iterator(dir())) {
    EXPECT_THAT(e.path().filename().string(), ::testing::Not(HasSubstr(".tmp"))) << e.path();
  }
}
INSTANTIATE_TEST_SUITE_P(Daemonize, PidFileFallback, ::testing::Values(0, 1),
                         [](const auto& info) {
                           return info.param == 0 ? std::string("NoOTmpfile")
                                                  : std::string("NoProc");
                         });

}  // namespace
}  // namespace daemoniker::testing

namespace daemoniker::testing {
namespace {

// The invoking process killed while it waits (Ctrl-C, `timeout`, a supervisor killing its
// ExecStart): the first child notices and stops the half-started daemon — nothing runs on with
// nobody told, and no pid file stays.
TEST_F(Failure, TheInvokingProcessKilledWhileWaitingTakesTheHalfStartedDaemonWithIt) {
  const pid_t invoker = spawn([&] {
    daemonizer_with<await_ready<fork_handoff>> d;
    d.daemonize(path("app.pid"), {.success_timeout = std::chrono::seconds(60)});
    ::pause();  // the daemon never says it is ready
    std::_Exit(0);
  });
  for (int i = 0; i < 500 && !is_locked(path("app.pid")); ++i) ::usleep(10'000);
  ASSERT_TRUE(is_locked(path("app.pid")));
  const pid_t daemon = static_cast<pid_t>(std::atoll(read_file(path("app.pid")).c_str()));
  ASSERT_GT(daemon, 0);
  ::kill(invoker, SIGKILL);
  ::waitpid(invoker, nullptr, 0);
  // The first child reaps it (or, once gone, we do: the test is a subreaper); bounded wait.
  auto running = [&] {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return ::kill(daemon, 0) == 0;
  };
  for (int i = 0; i < 500 && running(); ++i) ::usleep(10'000);
  EXPECT_FALSE(running()) << "the half-started daemon runs on";
  for (int i = 0; i < 200 && fs::exists(path("app.pid")); ++i) ::usleep(10'000);
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "its pid file stayed";
}

}  // namespace
}  // namespace daemoniker::testing
