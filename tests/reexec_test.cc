// reexec_handoff on Linux: the daemon is a new run of the program (main runs again, is_setup()
// is false there), the plan and the preserved arguments cross through an inherited socket, the
// original argv is kept or stripped, and failures of the new run still reach the invoking
// shell. The model of what Windows does.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Reexec : public DaemonTest {
 protected:
  invocation run_probe(const std::vector<std::string>& args) {
    const char* probe = std::getenv("REEXEC_PROBE");
    return invoke([&] {
      std::vector<std::string> all{probe, dir().string()};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(probe, argv.data());
      std::_Exit(127);
    });
  }
  int runs() {
    const std::string text = read_file(path("runs"));
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }
};

TEST_F(Reexec, DaemonIsANewRunThatReceivesTheArgumentsAndTheOriginalArgv) {
  const auto r = run_probe({"daemonize", "two words", "quote\"d", "back\\slash\\", ""});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("settings"), "8;alpha:80,beta gamma:443,;/srv/x y;a=0.500000");
  EXPECT_EQ(o.at("n"), "42");
  EXPECT_THAT(o.at("argv"), HasSubstr("|daemonize|two words|quote\"d|back\\slash\\|"));
  EXPECT_EQ(o.at("handoff_env"), "absent") << "the handoff variable leaked into the daemon";
  EXPECT_EQ(o.at("cwd"), "/");
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  EXPECT_TRUE(is_locked(path("app.pid")));
  EXPECT_EQ(read_file(path("runs")).find("setup=0"), read_file(path("runs")).rfind("setup=0"));
  EXPECT_EQ(runs(), 2) << read_file(path("runs"));
  EXPECT_THAT(read_file(path("runs")), HasSubstr("run " + o.at("pid") + " setup=0"));
  // Only 0, 1, 2 and the pid file's lock are open: the handoff channels are gone.
  EXPECT_EQ(split_ints(o.at("fds")).size(), 4u) << o.at("fds");
  EXPECT_NE(o.at("sid"), o.at("pid"));
}

TEST_F(Reexec, StripCmdArgsRelaunchesWithTheProgramOnly) {
  const auto r = run_probe({"strip", "extra"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("argv"), std::getenv("REEXEC_PROBE"));
}

TEST_F(Reexec, ContextRunsSetupAndParentOnceAndTheDaemonGetsTheValues) {
  const auto r = run_probe({"context"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("settings"), "8;alpha:80,beta gamma:443,;/srv/x y;a=0.500000");
  EXPECT_EQ(o.at("name"), "set up once");
  EXPECT_EQ(read_file(path("parent")), "parent workers=0 name=''\n");
}

TEST_F(Reexec, WorksFromAMultiThreadedProgram) {
  const auto r = run_probe({"threads"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_EQ(await_observation().at("n"), "42");
}

TEST_F(Reexec, AFailingStepInTheNewRunReachesTheInvokingShell) {
  const auto r = run_probe({"fail"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("chdir: cannot change directory to '" +
                                       path("missing").string()));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Reexec, ANewRunThatCrashesBeforeDaemonizingIsReported) {
  const auto r = run_probe({"crash"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("was killed by SIGABRT"));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Reexec, ANewRunThatNeverDaemonizesIsKilledAtTheTimeout) {
  const auto r = run_probe({"timeout"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("did not confirm startup within 0.5 s"));
  for (const pid_t kid : children()) {
    int status = 0;
    EXPECT_EQ(::waitpid(kid, &status, WNOHANG), kid) << "pid " << kid << " still runs";
  }
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

// Not open; garbage; not two numbers; negative; too big; the same channel twice; stdin and
// stdout (open, but never what the launcher makes). Each one is refused before anything is
// read or written on what it names.
TEST_F(Reexec, ABogusHandoffVariableIsRefusedWithAMessage) {
  for (const char* bogus : {"97,98", "garbage", "5", "1,2,3", "-1,2", "18446744073709551616,1",
                            "0,1", "4,4", " 4,5"}) {
    SCOPED_TRACE(bogus);
    const auto r = invoke([&] {
      const int out = ::open(path("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::setenv("DAEMONIKER_HANDOFF", bogus, 1);
      const char* probe = std::getenv("REEXEC_PROBE");
      ::execl(probe, probe, dir().c_str(), "daemonize", nullptr);
      std::_Exit(127);
    });
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.stderr_text, HasSubstr("DAEMONIKER_HANDOFF is set, but it does not name open "
                                         "channels"));
    EXPECT_EQ(fs::file_size(path("stdout")), 0u) << "something was written on stdout";
  }
}

// try_daemonize() never ends the process that calls it — with fork_handoff a daemon may
// daemonize again ("a second daemonization in this very process replaces the first"). In a
// re-launched daemon is_setup() stays false for good, so the second call goes back to
// continue_relaunched(), finds the variable it removed itself gone, prints "DAEMONIKER_HANDOFF
// is set, but it does not name open channels" (it is not set) and _Exit(2)s the running daemon.
TEST_F(Reexec, ASecondTryInTheReLaunchedDaemonComesBackInsteadOfEndingIt) {
  const auto r = run_probe({"twice"});
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  for (int i = 0; i < 500 && read_file(path("second")).empty(); ++i) ::usleep(10'000);
  EXPECT_NE(read_file(path("second")), "") << "the daemon did not come back from the second try";
  EXPECT_THAT(read_file(path("out.log")), ::testing::Not(HasSubstr("DAEMONIKER_HANDOFF is set")));
}

// Puts `a` at `at_a` and `b` at `at_b`, both inherited across exec (whatever numbers they had).
void install(int a, int at_a, int b, int at_b) {
  const int high_a = ::fcntl(a, F_DUPFD_CLOEXEC, 100);
  const int high_b = ::fcntl(b, F_DUPFD_CLOEXEC, 100);
  ::dup2(high_a, at_a);  // dup2 onto another number clears close-on-exec
  ::dup2(high_b, at_b);
}

// What the strict parser refuses besides the values above: channels that are open at the
// numbers named but are not sockets (a pipe, a regular file — the old check took any open fd),
// and malformed values although real sockets sit at 4 and 5. Nothing is read from or written to
// them: the byte waiting on the "hand" socket is still there, the "report" socket got nothing.
TEST_F(Reexec, ChannelsOfTheWrongKindOrMalformedValuesAreRefusedUntouched) {
  struct attempt {
    const char* value;
    bool pipe_at_4;
    bool file_at_5;
  };
  for (const attempt a : {attempt{"4,5", true, false}, attempt{"4,5", false, true},
                          attempt{"+4,5", false, false}, attempt{"4,5 ", false, false},
                          attempt{"4, 5", false, false}, attempt{"4,", false, false},
                          attempt{",5", false, false}, attempt{"4,5,", false, false},
                          attempt{"0x4,5", false, false}, attempt{"", false, false}}) {
    SCOPED_TRACE(std::string("'") + a.value + "'" + (a.pipe_at_4 ? " pipe at 4" : "") +
                 (a.file_at_5 ? " file at 5" : ""));
    int hand[2], report[2], pipe_ends[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hand), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, report), 0);
    ASSERT_EQ(::pipe2(pipe_ends, O_CLOEXEC), 0);
    ASSERT_EQ(::send(hand[0], "x", 1, MSG_NOSIGNAL), 1);
    const auto r = invoke([&] {
      const int out = ::open(path("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int file = ::open(path("plain").c_str(), O_RDWR | O_CREAT, 0644);
      ::dup2(out, 1);
      install(a.pipe_at_4 ? pipe_ends[0] : hand[1], 4, a.file_at_5 ? file : report[1], 5);
      ::setenv("DAEMONIKER_HANDOFF", a.value, 1);
      const char* probe = std::getenv("REEXEC_PROBE");
      ::execl(probe, probe, dir().c_str(), "daemonize", nullptr);
      std::_Exit(127);
    });
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_THAT(r.stderr_text, HasSubstr("DAEMONIKER_HANDOFF is set, but it does not name open "
                                         "channels"));
    EXPECT_EQ(fs::file_size(path("stdout")), 0u) << "something was written on stdout";
    EXPECT_EQ(fs::file_size(path("plain")), 0u) << "something was written on the file";
    int waiting = 0;
    ::ioctl(hand[1], FIONREAD, &waiting);
    EXPECT_EQ(waiting, 1) << "the hand socket was read";
    char c;
    EXPECT_EQ(::recv(report[0], &c, 1, MSG_DONTWAIT), -1) << "a report was written";
    for (const int fd : {hand[0], hand[1], report[0], report[1], pipe_ends[0], pipe_ends[1]}) {
      ::close(fd);
    }
    EXPECT_FALSE(fs::exists(path("app.pid")));
  }
}

// Real channels that carry a hostile handoff: nothing, a cut header, a header claiming 300 MiB,
// bytes that are not daemoniker's, and a 300 MiB stream (the reader stops past 256 MiB). Each
// time the new run reports one `failed` record on the report channel and exits 1 — it never
// waits for more, allocates what a header claims, settles, or writes a pid file.
TEST_F(Reexec, AHostileHandoffOnRealChannelsIsReportedAndNothingSettles) {
  std::string header(24, '\0');  // magic "DMKP", version 1, a fingerprint, the body's length
  const std::uint32_t magic = 0x504b4d44, version = 1;
  const std::uint64_t claimed = std::uint64_t{300} << 20;
  std::memcpy(&header[0], &magic, 4);
  std::memcpy(&header[4], &version, 4);
  std::memcpy(&header[16], &claimed, 8);
  struct hostile {
    const char* name;
    std::string bytes;
  };
  for (const hostile& h : {hostile{"nothing", ""}, hostile{"cut header", header.substr(0, 10)},
                           hostile{"300 MiB claimed", header},
                           hostile{"not daemoniker's", std::string(4096, 'x')},
                           hostile{"300 MiB sent", header + std::string(claimed, 'z')}}) {
    SCOPED_TRACE(h.name);
    int hand[2], report[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hand), 0);
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, report), 0);
    const pid_t run = spawn([&] {
      const int out = ::open(path("stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      install(hand[1], 4, report[1], 5);
      ::setenv("DAEMONIKER_HANDOFF", "4,5", 1);
      const char* probe = std::getenv("REEXEC_PROBE");
      ::execl(probe, probe, dir().c_str(), "daemonize", nullptr);
      std::_Exit(127);
    });
    ::close(hand[1]);
    ::close(report[1]);
    for (std::string_view left = h.bytes; !left.empty();) {
      const ssize_t n = ::send(hand[0], left.data(), left.size(), MSG_NOSIGNAL);
      if (n <= 0) break;  // the reader stopped: past the limit
      left.remove_prefix(static_cast<std::size_t>(n));
    }
    ::close(hand[0]);  // EOF
    int status = 0;
    ASSERT_EQ(::waitpid(run, &status, 0), run);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
    std::string got;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(report[0], buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) {
      got.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
    ASSERT_EQ(got.size(), 1064u) << "one record";
    std::uint32_t head[2];
    std::memcpy(head, got.data(), sizeof head);
    EXPECT_EQ(head[0], 0x4b4e4d44u);
    EXPECT_EQ(head[1], 3u) << "not a `failed` record";
    EXPECT_THAT(got, HasSubstr("the handoff was truncated"));
    EXPECT_EQ(read_file(path("invoker.stderr")), "");
    EXPECT_EQ(fs::file_size(path("stdout")), 0u);
    EXPECT_FALSE(fs::exists(path("app.pid")));
    EXPECT_EQ(read_file(path("runs")).find("setup=1"), std::string::npos);
  }
}

// The invoking process killed (SIGKILL: no chance to clean up) while the re-launched daemon,
// which has taken its pid file, has not said it is ready: the first child notices and ends the
// daemon and removes its pid file — the same guarantee as with fork_handoff.
TEST_F(Reexec, TheInvokingProcessKilledWhileTheNewRunIsUnreadyTakesItAlong) {
  const char* probe = std::getenv("REEXEC_PROBE");
  const pid_t invoker = spawn([&] {
    ::execl(probe, probe, dir().c_str(), "unready", nullptr);
    std::_Exit(127);
  });
  for (int i = 0; i < 1000 && !is_locked(path("app.pid")); ++i) ::usleep(10'000);
  ASSERT_TRUE(is_locked(path("app.pid"))) << "the new run never took its pid file";
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
  EXPECT_FALSE(running()) << "the half-started daemon " << daemon << " runs on";
  for (int i = 0; i < 200 && fs::exists(path("app.pid")); ++i) ::usleep(10'000);
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

// Sends `fds` over `carrier` (SCM_RIGHTS).
void pass_fds(int carrier, const int (&fds)[2]) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof fds);
  std::memcpy(CMSG_DATA(c), fds, sizeof fds);
  ::sendmsg(carrier, &m, 0);
}

// Receives two fds sent by pass_fds(); false when none came.
bool take_fds(int carrier, int (&fds)[2]) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof fds)] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  if (::recvmsg(carrier, &m, 0) != 1 || CMSG_FIRSTHDR(&m) == nullptr) return false;
  std::memcpy(fds, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fds);
  return true;
}

// Channels that a less privileged process made are refused, though they are real sockets at
// the numbers named: whoever runs a set-user-ID program could otherwise hand it a plan of their
// own (a pid file, a log file, a user to become). Here the program runs as root and the
// channels are made by a process running as nobody.
TEST_F(Reexec, ChannelsMadeByALessPrivilegedProcessAreRefused) {
  ASSERT_EQ(::geteuid(), 0u) << "this test needs root, to make channels as another user";
  const auto r = invoke([&] {
    int carrier[2];
    ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, carrier);
    const pid_t maker = ::fork();
    if (maker == 0) {  // nobody: makes the two channels and hands one end of each over
      if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) {
        std::perror("cannot become nobody (uid 65534) to make the channels");
        std::_Exit(1);
      }
      int hand[2], report[2];
      ::socketpair(AF_UNIX, SOCK_STREAM, 0, hand);
      ::socketpair(AF_UNIX, SOCK_STREAM, 0, report);
      pass_fds(carrier[1], {hand[1], report[1]});
      std::_Exit(0);
    }
    ::close(carrier[1]);  // EOF when the maker could not make them
    int got[2];
    const bool taken = take_fds(carrier[0], got);
    ::waitpid(maker, nullptr, 0);
    if (!taken) std::_Exit(126);  // the test fails: it could not make its channels
    install(got[0], 4, got[1], 5);
    ::setenv("DAEMONIKER_HANDOFF", "4,5", 1);
    const char* probe = std::getenv("REEXEC_PROBE");
    ::execl(probe, probe, dir().c_str(), "daemonize", nullptr);
    std::_Exit(127);
  });
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("DAEMONIKER_HANDOFF is set, but it does not name open "
                                       "channels"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

}  // namespace
}  // namespace daemoniker::testing
