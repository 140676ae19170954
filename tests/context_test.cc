// The Daemonizer context (the spec's `with Daemonizer() as (is_setup, daemonizer)`): setup code
// runs once before daemonization, the parent branch runs exactly once after the daemon
// confirmed, with value-initialized arguments, and leaving the scope ends the invoking process
// with _exit(0) — or _exit(2) when an exception leaves it — while the daemon continues.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Context : public DaemonTest {
 protected:
  void append(const std::string& file, const std::string& line) {
    std::ofstream(path(file), std::ios::app) << line << "\n";
  }
};

TEST_F(Context, SetupAndParentBranchesRunOnceAndTheDaemonContinuesAfterTheScope) {
  const auto r = invoke([&] {
    int port = 0;
    std::string name;
    {
      daemonizer ctx;
      if (ctx.is_setup()) {
        append("trace", "setup");
        port = 7000;
        name = "echo";
      }
      auto [is_parent, p, n] = ctx(path("app.pid"), port, name);
      if (is_parent) {
        // Runs after the daemon confirmed: its pid file is already there.
        append("trace", "parent pid_file=" + std::to_string(fs::exists(path("app.pid"))) +
                            " port=" + std::to_string(p) + " name='" + n + "'");
      } else {
        port = p;
        name = n;
      }
    }
    // Only the daemon gets here.
    append("trace", "daemon port=" + std::to_string(port) + " name=" + name);
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  await_observation();
  // The parent branch and the daemon run concurrently: compare the lines, not their order.
  const std::string trace = read_file(path("trace"));
  EXPECT_EQ(trace.rfind("setup\n", 0), 0u) << trace;
  EXPECT_EQ(std::count(trace.begin(), trace.end(), '\n'), 3) << trace;
  EXPECT_THAT(trace, HasSubstr("\nparent pid_file=1 port=0 name=''\n"));
  EXPECT_THAT(trace, HasSubstr("\ndaemon port=7000 name=echo\n"));
}

TEST_F(Context, ParentEndsWithoutRunningStaticDestructorsOrAtexitHandlersAgain) {
  static fs::path trace_file;
  trace_file = path("exit_trace");
  const auto r = invoke([&] {
    std::atexit([] { std::ofstream(trace_file, std::ios::app) << "atexit " << ::getpid() << "\n"; });
    {
      daemonizer ctx;
      ctx(path("app.pid"), {});
    }
    report_and_wait_for_term(dir());  // exits normally: the daemon's atexit handler runs
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(trace_file), "") << "the invoking process ran atexit handlers";
  stop(std::stoi(o.at("pid")));
  EXPECT_EQ(read_file(trace_file), "atexit " + o.at("pid") + "\n");
}

TEST_F(Context, ExceptionLeavingTheParentScopeEndsItWithStatusTwo) {
  const auto r = invoke([&] {
    try {
      daemonizer ctx;
      auto [is_parent] = ctx(path("app.pid"));
      if (is_parent) throw std::runtime_error("parent failed");
    } catch (...) {
      append("trace", "caught");  // must never run: the parent already ended
    }
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.stderr_text, HasSubstr("an exception left the Daemonizer's parent scope"));
  await_observation();  // the daemon keeps running
  EXPECT_EQ(read_file(path("trace")), "") << "the invoking process reached the catch handler";
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(Context, FailureInTheContextExitsNonZeroWithoutRunningTheParentBranch) {
  const auto r = invoke([&] {
    daemonizer ctx;
    auto [is_parent] = ctx(path("missing/app.pid"));
    if (is_parent) append("trace", "parent");
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(fs::exists(path("trace")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

TEST_F(Context, NonConstOptionsLvalueSelectsTheOptionsOverload) {
  const auto r = invoke([&] {
    options opts;  // non-const lvalue: must not be taken for a preserved argument
    opts.chdir = "/";
    daemonizer ctx;
    auto [is_parent, x] = ctx(path("app.pid"), opts, 5);
    if (!is_parent) report_and_wait_for_term(dir(), {{"x", std::to_string(x)}});
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("cwd"), "/");
  EXPECT_EQ(o.at("x"), "5");
}

}  // namespace
}  // namespace daemoniker::testing
