// reexec_handoff on Linux: the daemon is a new run of the program (main runs again, is_setup()
// is false there), the plan and the preserved arguments cross through an inherited socket, the
// original argv is kept or stripped, and failures of the new run still reach the invoking
// shell. The model of what Windows does.
#include <fcntl.h>
#include <unistd.h>

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

}  // namespace
}  // namespace daemoniker::testing
