// The daemoniker command, black-box: every subcommand and exit status, the retry schedule
// against a program that ignores SIGTERM, a program failing on startup (its status and stderr
// reach `start`), readiness on --ready-fd, a stale pid file whose pid was reused (never
// signalled), and usage errors. Every process started is reaped (DaemonTest).
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/version.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;

class Cli : public DaemonTest {
 protected:
  struct result {
    int exit_code;
    std::string out, err;
  };

  result run(std::vector<std::string> args, const fs::path& cwd = {}) {
    const std::string cli = fs::absolute(std::getenv("DAEMONIKER_CLI")).string();
    const fs::path out = path("cli.out");
    const auto r = invoke([&] {
      const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) std::_Exit(126);  // a relative --pidfile
      ::setenv("TMPDIR", dir().c_str(), 1);  // the command's own temporary files stay here
      args.insert(args.begin(), cli);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(cli.c_str(), argv.data());
      std::_Exit(127);
    });
    return {r.exit_code, read_file(out), r.stderr_text};
  }

  std::string pidfile() const { return path("app.pid").string(); }
  long long pid_in_file() { return std::atoll(read_file(path("app.pid")).c_str()); }

  // A `sleep 60` of ours, as another tool would have started it; returns once it is sleep.
  static pid_t sleeper() {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execlp("sleep", "sleep", "60", nullptr);
      std::_Exit(127);
    }
    for (int i = 0; i < 200 && read_file("/proc/" + std::to_string(pid) + "/comm") != "sleep\n"; ++i) {
      ::usleep(5'000);
    }
    return pid;
  }

  static bool alive(long long pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] != 'Z';
  }

  // One member of a JSON object, as Python's json module read it: its kind (str, num, bool,
  // null, list of numbers, other) and its value (a string decoded; a list as "1,2").
  struct json_value {
    std::string kind, text;
    bool operator==(const json_value&) const = default;
    friend std::ostream& operator<<(std::ostream& os, const json_value& v) {
      return os << v.kind << " " << v.text;
    }
  };
  using json_object = std::map<std::string, json_value>;
  static json_value str(const std::string& s) { return {"str", s}; }
  static json_value num(long long n) { return {"num", std::to_string(n)}; }
  static json_value null() { return {"null", "null"}; }

  // Parses `text` with python3's json module: exactly one object, duplicate keys refused, UTF-8.
  json_object parse_json(const std::string& text) {
    write_file(path("json.in"), text);
    const std::string script =
        "import json, sys\n"
        "def pairs(p):\n"
        "    assert len(set(k for k, _ in p)) == len(p), \"duplicate key\"\n"
        "    return dict(p)\n"
        "d = json.loads(sys.stdin.buffer.read(), object_pairs_hook=pairs)\n"
        "assert isinstance(d, dict)\n"
        "for k, v in d.items():\n"
        "    if isinstance(v, str): print(k, \"str\", v.encode().hex() or \"-\")\n"
        "    elif isinstance(v, bool): print(k, \"bool\", json.dumps(v))\n"
        "    elif v is None: print(k, \"null\", \"null\")\n"
        "    elif isinstance(v, int): print(k, \"num\", v)\n"
        "    elif isinstance(v, list) and all(type(x) is int for x in v):\n"
        "        print(k, \"list\", \",\".join(map(str, v)) or \"-\")\n"
        "    else: print(k, \"other\", \"-\")\n";
    write_file(path("read_object.py"), script);
    FILE* p = ::popen(("python3 -I '" + path("read_object.py").string() + "' < '" + path("json.in").string() + "'").c_str(), "r");
    std::string out;
    char buf[4096];
    for (std::size_t n; p != nullptr && (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = p != nullptr ? ::pclose(p) : -1;
    EXPECT_EQ(status, 0) << "not one JSON object: '" << text << "'";
    json_object object;
    std::istringstream lines(out);
    for (std::string key, kind, value; lines >> key >> kind >> value;) {
      if (kind == "str") value = value == "-" ? "" : from_hex(value);
      if (kind == "list" && value == "-") value.clear();
      object[key] = {kind, value};
    }
    return object;
  }

  static std::string from_hex(const std::string& hex) {
    std::string bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return bytes;
  }

  // `status --json` with `args`: the exit code of `status` without --json, nothing on stderr,
  // and one object with exactly the documented members.
  json_object status_json(std::vector<std::string> args, int expected_exit, const fs::path& cwd = {}) {
    args.insert(args.begin(), "status");
    EXPECT_EQ(run(args, cwd).exit_code, expected_exit) << "(the sentence)";
    args.push_back("--json");
    const auto r = run(args, cwd);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    json_object o = parse_json(r.out);
    std::set<std::string> keys;
    for (const auto& [k, v] : o) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"pid_file", "state", "pid", "verified", "uptime_seconds",
                                           "lock_holders", "session", "error"}));
    return o;
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
  // Nothing tells a reused pid from a daemon that a tool without locks started: unknown, and
  // refused — the file stays, since its pid is alive.
  const auto st = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(st.exit_code, 4);
  EXPECT_THAT(st.out, AllOf(HasSubstr("not locked"), HasSubstr("--exec")));
  const auto sig = run({"signal", "--pidfile", pidfile(), "KILL"});
  EXPECT_EQ(sig.exit_code, 1);
  EXPECT_THAT(sig.err, HasSubstr("not signalled"));
  const auto r = run({"stop", "--pidfile", pidfile()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nothing was signalled"));
  EXPECT_TRUE(alive(unrelated)) << "an unrelated process was killed";
  EXPECT_TRUE(fs::exists(path("app.pid"))) << "the pid file of a live pid was deleted";
  // A match that the process fails: still nothing.
  EXPECT_EQ(run({"stop", "--pidfile", pidfile(), "--name", "not-it"}).exit_code, 1);
  EXPECT_EQ(run({"status", "--pidfile", pidfile(), "--name", "not-it"}).exit_code, 1);
  EXPECT_TRUE(alive(unrelated));
  // Once the process is gone, the file is stale: stop removes it without signalling anyone.
  ::kill(unrelated, SIGKILL);
  ::waitpid(unrelated, nullptr, 0);
  const auto gone = run({"stop", "--pidfile", pidfile()});
  EXPECT_EQ(gone.exit_code, 0);
  EXPECT_THAT(gone.out, HasSubstr("not signalled"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Cli, APidFileWrittenByAnotherToolIsStoppedOnlyWhenTheProcessMatches) {
  const pid_t other = sleeper();  // start-stop-daemon --make-pidfile: a live pid, no lock
  write_file(path("app.pid"), std::to_string(other) + "\n");
  EXPECT_EQ(run({"status", "--pidfile", pidfile(), "--name", "sleep"}).exit_code, 0);
  EXPECT_EQ(run({"stop", "--pidfile", pidfile(), "--exec", "/bin/cat"}).exit_code, 1);
  EXPECT_TRUE(alive(other));
  const auto r = run({"stop", "--pidfile", pidfile(), "--name", "sleep", "--user", "root"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("stopped (pid " + std::to_string(other) + ")"));
  int status = 0;
  EXPECT_EQ(::waitpid(other, &status, 0), other);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Cli, HostilePidFilesAreNeverSignalled) {
  // Unlocked files naming nothing valid are stale (stop removes them, signalling nobody); those
  // naming a live process that nothing proves is the daemon — init, the caller itself, its group
  // or session — are refused and kept. Had anything been signalled, this test would be dead.
  const std::string self = std::to_string(::getpid()), group = std::to_string(::getpgrp()),
                    session = std::to_string(::getsid(0));
  for (const std::string content : {"", "0", "-1", "abc", "4194305abc", "99999999999999999999"}) {
    write_file(path("app.pid"), content + "\n");
    EXPECT_EQ(run({"signal", "--pidfile", pidfile(), "TERM"}).exit_code, 1) << "'" << content << "'";
    EXPECT_EQ(run({"reload", "--pidfile", pidfile()}).exit_code, 1) << content;
    EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 1) << content;
    const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/1"});
    EXPECT_EQ(r.exit_code, 0) << content;
    EXPECT_THAT(r.out, HasSubstr("not signalled")) << content;
    EXPECT_FALSE(fs::exists(path("app.pid"))) << "stale '" << content << "' kept";
  }
  // (pid 1 is covered in its own pid namespace, where it can trap signals: tests/hostile.)
  for (const std::string& content : {self, group, session}) {
    if (std::stoll(content) <= 1) continue;  // a sandbox's pid namespace may show 0 for them
    // A group or session whose leader exited (nohup-style launchers) names no live process:
    // that file is stale, not a hostile one — covered above.
    if (::kill(static_cast<pid_t>(std::stoll(content)), 0) == -1 && errno == ESRCH) continue;
    write_file(path("app.pid"), content + "\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"stop", "--pidfile", pidfile(), "--retry", "TERM/1"},
             {"signal", "--pidfile", pidfile(), "TERM"},
             {"reload", "--pidfile", pidfile()}}) {
      const auto r = run(args);
      EXPECT_EQ(r.exit_code, 1) << "'" << content << "': " << args[0];
      EXPECT_THAT(r.err, HasSubstr("signalled")) << content << ": " << args[0];
    }
    EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 4) << content;
    EXPECT_TRUE(fs::exists(path("app.pid"))) << "the pid file of live pid " << content << " went";
  }
}

TEST_F(Cli, RetryForeverRepeatsOnlyWhatFollowsIt) {
  // start-stop-daemon: TERM/1/forever/KILL/1 is TERM, 1 s, then KILL/1 again and again.
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sh", "-c",
                 "trap '' TERM; while :; do sleep 0.1; done"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/1/forever/KILL/1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(pid));
}

TEST_F(Cli, ATrailingForeverRepeatsTheWholeSchedule) {
  // Exits on the second TERM only: TERM/1/forever must send TERM again after its wait.
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "trap 'if [ -f once ]; then exit 0; fi; touch once' TERM; "
                 "while :; do sleep 0.1; done"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  ::usleep(200'000);  // the trap is installed
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/1/forever"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(pid));
  EXPECT_TRUE(fs::exists(path("once")));
}

TEST_F(Cli, WhenTheDaemonExitedItsSessionStillHoldingTheLockIsWhatStopEnds) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "sleep 60 & echo $! > child; exit 0"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  for (int i = 0; i < 200 && alive(pid); ++i) ::usleep(10'000);
  const long long child = std::atoll(read_file(path("child")).c_str());
  ASSERT_GT(child, 0);
  const auto st = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_THAT(st.out, AllOf(HasSubstr("pid " + std::to_string(pid) + " has exited"),
                            HasSubstr("processes " + std::to_string(child)), HasSubstr("still hold")));
  const auto o = status_json({"--pidfile", pidfile()}, 0);
  EXPECT_EQ(o.at("state"), str("running"));
  EXPECT_EQ(o.at("verified"), (json_value{"bool", "false"}));
  EXPECT_EQ(o.at("pid"), num(pid));
  EXPECT_EQ(o.at("lock_holders"), (json_value{"list", std::to_string(child)}));
  EXPECT_EQ(o.at("session").kind, "num");
  EXPECT_EQ(o.at("uptime_seconds"), null());
  EXPECT_THAT(o.at("error").text, HasSubstr("has exited"));
  // signal/reload only ever reach the verified daemon, which is gone.
  EXPECT_EQ(run({"reload", "--pidfile", pidfile()}).exit_code, 1);
  EXPECT_TRUE(alive(child));
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(child));
  EXPECT_FALSE(is_locked(path("app.pid")));
}

TEST_F(Cli, StartOverAnUnlockedPidFileOfTheSameProgramIsRefused) {
  const pid_t other = sleeper();  // start-stop-daemon started `sleep` and wrote its pid
  write_file(path("app.pid"), std::to_string(other) + "\n");
  const auto r = run({"start", "--pidfile", pidfile(), "--", "sleep", "61"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("already running (pid " + std::to_string(other) + ")"),
                           HasSubstr("--exec")));
  EXPECT_EQ(read_file(path("app.pid")), std::to_string(other) + "\n");
  EXPECT_TRUE(alive(other));
  // The same pid naming another program is a reuse: the file is reclaimed.
  const auto c = run({"start", "--pidfile", pidfile(), "--", "cat"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(pid_in_file(), other);
  EXPECT_TRUE(alive(other));
}

TEST_F(Cli, StartWorksWithItsOwnStdioClosed) {
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const auto r = invoke([&] {
    for (int fd = 0; fd <= 2; ++fd) ::close(fd);
    ::execl(cli, cli, "start", "--pidfile", pidfile().c_str(), "--ready-fd", "3", "--", "sh",
            "-c", "echo ready >&3; exec sleep 60", nullptr);
    std::_Exit(127);
  });
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(is_locked(path("app.pid")));
  EXPECT_TRUE(alive(pid_in_file()));
}

TEST_F(Cli, AnyReadyFdNumberIsTheProgramsOwn) {
  // The command's own pipes once took the first free numbers, and --ready-fd 6 collided.
  for (int n = 3; n <= 9; ++n) {
    const std::string fd = std::to_string(n);
    const fs::path pid = path("ready" + fd + ".pid");
    const auto r = run({"start", "--pidfile", pid.string(), "--ready-fd", fd, "--timeout", "5s",
                        "--", "sh", "-c", "echo ready >&" + fd + "; exec sleep 60"});
    EXPECT_EQ(r.exit_code, 0) << "--ready-fd " << fd << ": " << r.err;
  }
}

TEST_F(Cli, AFailedStartEndsEverythingTheProgramStarted) {
  // The program forks a helper, then never becomes ready: both must be gone afterwards.
  auto r = run({"start", "--pidfile", pidfile(), "--ready-fd", "3", "--timeout", "500ms",
                "--chdir", dir().string(), "--", "sh", "-c", "sleep 60 & echo $! > helper; exec sleep 60"});
  EXPECT_EQ(r.exit_code, 1);
  const long long helper = std::atoll(read_file(path("helper")).c_str());
  ASSERT_GT(helper, 0);
  EXPECT_FALSE(alive(helper)) << "the program's helper survived the failed start";
  EXPECT_FALSE(fs::exists(path("app.pid")));
  // The same when the program exits early and leaves the helper behind.
  r = run({"start", "--pidfile", pidfile(), "--ready-fd", "3", "--chdir", dir().string(), "--",
           "sh", "-c", "sleep 60 & echo $! > helper; exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("exited with status 3"));
  EXPECT_FALSE(alive(std::atoll(read_file(path("helper")).c_str())));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0)
      << "a later start was refused";
}

TEST_F(Cli, ReadyFromAnotherProcessOnTheNotifySocketDoesNotCount) {
  // Only the program (or its session) may say READY=1; a stranger's datagram is dropped.
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const pid_t starter = spawn([&] {
    ::setenv("TMPDIR", dir().c_str(), 1);
    ::execl(cli, cli, "start", "--pidfile", pidfile().c_str(), "--notify", "--timeout", "2s",
            "--", "sleep", "60", nullptr);
    std::_Exit(127);
  });
  // The program's NOTIFY_SOCKET, once it runs (the path depends on TMPDIR's length).
  fs::path socket;
  for (int i = 0; i < 300 && socket.empty(); ++i) {
    const long long pid = is_locked(path("app.pid")) ? pid_in_file() : 0;
    const std::string env = pid > 0 ? read_file("/proc/" + std::to_string(pid) + "/environ") : "";
    const auto at = env.find("NOTIFY_SOCKET=");
    if (at != std::string::npos) socket = env.c_str() + at + 14;
    ::usleep(10'000);
  }
  ASSERT_FALSE(socket.empty());
  for (int i = 0; i < 100 && !fs::exists(socket); ++i) ::usleep(10'000);
  EXPECT_EQ(std::system(("python3 -c \"import socket; s=socket.socket(socket.AF_UNIX, "
                         "socket.SOCK_DGRAM); s.sendto(b'READY=1', '" + socket.string() + "')\"")
                            .c_str()),
            0);
  int status = 0;
  ::waitpid(starter, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  EXPECT_THAT(read_file(path("invoker.stderr")), HasSubstr("did not signal readiness"));
  EXPECT_FALSE(fs::exists(socket.parent_path())) << "the notify directory was left behind";
}

TEST_F(Cli, AMissingPidFileDirectoryIsReportedAsMissing) {
  const auto r = run({"start", "--pidfile", path("nowhere/app.pid").string(), "--", "sleep", "60"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("No such file or directory"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("Not a directory")));
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
  for (const char* sub : {"status", "stop", "start"}) {  // '' is no pid file, not an absent one
    r = sub == std::string("start") ? run({sub, "--pidfile", "", "--", "sleep", "1"})
                                    : run({sub, "--pidfile", ""});
    EXPECT_EQ(r.exit_code, 2) << sub;
    EXPECT_THAT(r.err, HasSubstr("--pidfile: an empty path")) << sub;
  }
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

TEST_F(Cli, VersionPrintsTheReleaseFromVersionHpp) {
  const auto r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "daemoniker " DAEMONIKER_VERSION "\n");
  EXPECT_EQ(r.err, "");
  const auto help = run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, AllOf(HasSubstr("--version"), HasSubstr("man daemoniker")));
  // No web address: the project has none (the manual and docs/cli.md are the documentation).
  for (const char* sub : {"start", "restart", "stop", "status", "signal", "reload"}) {
    EXPECT_THAT(run({sub, "--help"}).out, ::testing::Not(HasSubstr("://"))) << sub;
  }
  EXPECT_THAT(help.out, ::testing::Not(HasSubstr("://")));
}

TEST_F(Cli, StatusJsonOfARunningDaemon) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
  const long long pid = pid_in_file();
  ::usleep(1'100'000);  // so that its uptime is at least a second
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  long long session = 0;  // field 6 of /proc/PID/stat: after state, ppid and pgrp
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string state, ppid, pgrp;
  fields >> state >> ppid >> pgrp >> session;
  auto o = status_json({"--pidfile", pidfile()}, 0);
  EXPECT_EQ(o["pid_file"], str(pidfile()));
  EXPECT_EQ(o["state"], str("running"));
  EXPECT_EQ(o["pid"], num(pid));
  EXPECT_EQ(o["verified"], (json_value{"bool", "true"}));
  EXPECT_EQ(o["uptime_seconds"].kind, "num");
  EXPECT_GE(std::atoll(o["uptime_seconds"].text.c_str()), 1);
  EXPECT_LT(std::atoll(o["uptime_seconds"].text.c_str()), 60);
  EXPECT_EQ(o["lock_holders"], (json_value{"list", std::to_string(pid)}));
  EXPECT_EQ(o["session"], num(session));
  EXPECT_NE(session, pid) << "the daemon is not its session's leader";
  EXPECT_EQ(o["error"], null());
  EXPECT_EQ(run({"stop", "--pidfile", pidfile()}).exit_code, 0);
  EXPECT_FALSE(alive(pid));
  EXPECT_EQ(status_json({"--pidfile", pidfile()}, 3)["state"], str("absent"));
}

TEST_F(Cli, StatusJsonOfAStalePidFile) {
  const pid_t gone = ::fork();
  if (gone == 0) std::_Exit(0);
  ASSERT_EQ(::waitpid(gone, nullptr, 0), gone);
  write_file(path("app.pid"), std::to_string(gone) + "\n");
  auto o = status_json({"--pidfile", pidfile()}, 1);
  EXPECT_EQ(o["state"], str("stale"));
  EXPECT_EQ(o["pid"], num(gone));
  EXPECT_EQ(o["verified"], (json_value{"bool", "false"}));
  EXPECT_EQ(o["uptime_seconds"], null());
  EXPECT_EQ(o["lock_holders"], (json_value{"list", ""}));
  EXPECT_EQ(o["session"], null());
  EXPECT_EQ(o["error"], null());
  write_file(path("app.pid"), "garbage\n");  // stale too, and no pid at all
  o = status_json({"--pidfile", pidfile()}, 1);
  EXPECT_EQ(o["state"], str("stale"));
  EXPECT_EQ(o["pid"], null());
}

TEST_F(Cli, StatusJsonOfAnAbsentPidFileNamesItAbsolutelyAndEscapesIt) {
  // Quote, backslash, newline, tab, a control character, UTF-8 (passed through) and a byte that
  // is not UTF-8 (replaced by U+FFFD) in the name of a directory; the pid file named relative
  // to it.
  const std::string name = "we\"ird\\ \n\t\x01 \xc3\xa9 \xff end";
  fs::create_directory(path(name));
  auto o = status_json({"--pidfile", name + "/app.pid"}, 3, dir());
  EXPECT_EQ(o["pid_file"], str(path("we\"ird\\ \n\t\x01 \xc3\xa9 \xef\xbf\xbd end/app.pid").string()));
  EXPECT_EQ(o["state"], str("absent"));
  EXPECT_EQ(o["pid"], null());
  EXPECT_EQ(o["verified"], (json_value{"bool", "false"}));
  EXPECT_EQ(o["uptime_seconds"], null());
  EXPECT_EQ(o["lock_holders"], (json_value{"list", ""}));
  EXPECT_EQ(o["session"], null());
  EXPECT_EQ(o["error"], null());
  // Made absolute, not resolved: through a symbolic link, the link's path.
  fs::create_directory_symlink(path(name), path("link"));
  EXPECT_EQ(status_json({"--pidfile", "link/app.pid"}, 3, dir())["pid_file"], str(path("link/app.pid").string()));
  const auto r = run({"status", "--json", "--pidfile", name + "/app.pid"}, dir());
  EXPECT_THAT(r.out, AllOf(HasSubstr("we\\\"ird\\\\ \\n\\t\\u0001 \xc3\xa9 \\ufffd end")));
  // A usage error stays one: status 2, a message on stderr, nothing on stdout.
  const auto bad = run({"status", "--json", "--pidfile", pidfile(), "--bogus"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--bogus"));
  EXPECT_EQ(bad.out, "");
}

TEST_F(Cli, StatusJsonOfAnUnverifiedOrUnreadablePidFile) {
  const pid_t other = sleeper();  // a live pid in a file without a lock
  write_file(path("app.pid"), std::to_string(other) + "\n");
  auto o = status_json({"--pidfile", pidfile()}, 4);
  EXPECT_EQ(o["state"], str("unverified"));
  EXPECT_EQ(o["pid"], num(other));
  EXPECT_EQ(o["verified"], (json_value{"bool", "false"}));
  EXPECT_EQ(o["uptime_seconds"], null());
  EXPECT_EQ(o["lock_holders"], (json_value{"list", ""}));
  EXPECT_EQ(o["session"], null());
  EXPECT_EQ(o["error"].kind, "str");
  EXPECT_THAT(o["error"].text, AllOf(HasSubstr("not locked"), HasSubstr("--exec")));
  // A match that fails: still unverified, exit 1 (start-stop-daemon --status).
  o = status_json({"--pidfile", pidfile(), "--name", "not-it"}, 1);
  EXPECT_EQ(o["state"], str("unverified"));
  EXPECT_THAT(o["error"].text, HasSubstr("not-it"));
  // A match that holds: running, verified.
  o = status_json({"--pidfile", pidfile(), "--name", "sleep"}, 0);
  EXPECT_EQ(o["state"], str("running"));
  EXPECT_EQ(o["verified"], (json_value{"bool", "true"}));
  EXPECT_EQ(o["uptime_seconds"].kind, "num");
  ::kill(other, SIGKILL);
  EXPECT_EQ(::waitpid(other, nullptr, 0), other);
  fs::remove(path("app.pid"));
  fs::create_directory(path("app.pid"));
  o = status_json({"--pidfile", pidfile()}, 4);
  EXPECT_EQ(o["state"], str("unreadable"));
  EXPECT_EQ(o["pid"], null());
  EXPECT_THAT(o["error"].text, HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace daemoniker::testing

// Cases found by an adversarial review (each failed before its fix).
namespace daemoniker::testing {
namespace {

class CliAdversary : public Cli {
 protected:
  // A process of ours that pauses, and its pid as text.
  pid_t bystander() {
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (;;) ::pause();
    }
    return pid;
  }
};

TEST_F(CliAdversary, StopSignalsOnlyTheLockHoldersFamilyNotTheOthersOfALeaderlessSession) {
  // A leaderless session (its shell exited) holding: a bystander, and a parent whose child
  // holds the lock. Only the holder (and its descendants) may be stopped.
  write_file(path("app.pid"), "99999\n");  // a pid that is not the holder
  write_file(path("session.sh"),
             "cd '" + dir().string() + "'\n"
             "sleep 60 & echo $! > bystander\n"
             "sh -c 'trap \"echo TERM > parent.signalled\" TERM; flock -x app.pid sleep 60 & "
             "echo $! > holder; while :; do sleep 0.1; done' & echo $! > parent\n"
             "exit 0\n");
  ASSERT_EQ(std::system(("setsid sh '" + path("session.sh").string() + "'").c_str()), 0);
  for (int i = 0; i < 300 && !is_locked(path("app.pid")); ++i) ::usleep(10'000);
  ASSERT_TRUE(is_locked(path("app.pid")));
  ::usleep(100'000);
  const long long by = std::atoll(read_file(path("bystander")).c_str());
  const long long parent = std::atoll(read_file(path("parent")).c_str());
  const long long holder = std::atoll(read_file(path("holder")).c_str());
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(holder));
  EXPECT_FALSE(is_locked(path("app.pid")));
  EXPECT_TRUE(alive(by)) << "a process of the session that holds nothing was signalled";
  EXPECT_TRUE(alive(parent)) << "the holder's parent (a supervisor, say) was killed";
  EXPECT_FALSE(fs::exists(path("parent.signalled"))) << "the holder's parent was signalled";
  ::kill(static_cast<pid_t>(by), SIGKILL);
  ::kill(static_cast<pid_t>(parent), SIGKILL);
}

TEST_F(CliAdversary, AMatchThatFailsOnALockedFileRefusesEverything) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
  const long long pid = pid_in_file();
  EXPECT_EQ(run({"status", "--pidfile", pidfile(), "--name", "nginx"}).exit_code, 1);
  const auto r = run({"stop", "--pidfile", pidfile(), "--name", "nginx"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("does not match"));
  EXPECT_EQ(run({"signal", "--pidfile", pidfile(), "--exec", "/bin/true", "TERM"}).exit_code, 1);
  EXPECT_TRUE(alive(pid));
  EXPECT_EQ(run({"stop", "--pidfile", pidfile(), "--name", "sleep"}).exit_code, 0);
}

TEST_F(CliAdversary, AFailedStartEndsEvenAChildThatLeftTheSession) {
  const auto r = run({"start", "--pidfile", pidfile(), "--ready-fd", "5", "--chdir", dir().string(),
                      "--", "sh", "-c", "setsid sleep 60 & echo $! > helper; sleep 0.3; exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  const long long helper = std::atoll(read_file(path("helper")).c_str());
  ASSERT_GT(helper, 0);
  EXPECT_FALSE(alive(helper)) << "a setsid() child of the program survived the failed start";
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_EQ(run({"start", "--pidfile", pidfile(), "--", "sleep", "60"}).exit_code, 0);
}

TEST_F(CliAdversary, AnyEndingSignalWhileStartingStopsTheHalfStartedDaemon) {
  const char* cli = std::getenv("DAEMONIKER_CLI");
  for (const int sig : {SIGQUIT, SIGUSR1, SIGALRM}) {
    const std::string pid = path("app" + std::to_string(sig) + ".pid").string();
    const pid_t starter = spawn([&] {
      ::execl(cli, cli, "start", "--pidfile", pid.c_str(), "--notify", "--", "sleep", "60", nullptr);
      std::_Exit(127);
    });
    for (int i = 0; i < 300 && !is_locked(pid); ++i) ::usleep(10'000);
    ASSERT_TRUE(is_locked(pid));
    ::kill(starter, sig);
    int status = 0;
    ::waitpid(starter, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig) << sig << ": " << status;
    EXPECT_FALSE(fs::exists(pid)) << sig;
  }
  for (const auto& e : fs::directory_iterator(dir())) {
    EXPECT_EQ(e.path().filename().string().rfind("daemoniker-notify.", 0), std::string::npos);
  }
  for (const pid_t kid : children()) {
    EXPECT_EQ(::waitpid(kid, nullptr, WNOHANG), kid) << "pid " << kid << " still runs";
  }
}

TEST_F(CliAdversary, AScriptStartedByAnotherToolCountsAsTheProgramRunning) {
  write_file(path("myd.sh"), "#!/bin/sh\nexec sleep 60\n");
  fs::permissions(path("myd.sh"), fs::perms::owner_all);
  write_file(path("myd2.sh"), "#!/bin/sh\nwhile :; do sleep 1; done\n");
  fs::permissions(path("myd2.sh"), fs::perms::owner_all);
  const pid_t other = ::fork();  // start-stop-daemon --exec myd2.sh: sh runs the script
  if (other == 0) {
    ::execl(path("myd2.sh").c_str(), "myd2.sh", nullptr);
    std::_Exit(127);
  }
  ::usleep(200'000);
  write_file(path("app.pid"), std::to_string(other) + "\n");
  const auto r = run({"start", "--pidfile", pidfile(), "--", path("myd2.sh").string()});
  EXPECT_EQ(r.exit_code, 1) << "a second copy of the script was started";
  EXPECT_THAT(r.err, HasSubstr("already running"));
  EXPECT_EQ(run({"status", "--pidfile", pidfile(), "--exec", path("myd2.sh").string()}).exit_code, 0);
  EXPECT_EQ(run({"stop", "--pidfile", pidfile(), "--exec", path("myd2.sh").string()}).exit_code, 0);
  EXPECT_EQ(::waitpid(other, nullptr, 0), other);
}

TEST_F(CliAdversary, AnInheritedNotifySocketAloneDoesNotKeepStartInTheForeground) {
  // Every process of a Type=notify unit inherits NOTIFY_SOCKET; only systemd's own child is
  // supervised. Here the parent is not systemd: start must daemonize and return.
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const auto began = clock_type::now();
  const auto r = invoke([&] {
    ::setenv("NOTIFY_SOCKET", "/run/nonexistent-notify", 1);
    ::execl(cli, cli, "start", "--pidfile", pidfile().c_str(), "--", "sleep", "2", nullptr);
    std::_Exit(127);
  });
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_LT(clock_type::now() - began, std::chrono::milliseconds(1500)) << "it ran in the foreground";
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(CliAdversary, ASharedLockOnAStaleFileNeitherBlocksNorGetsSignalled) {
  // Anyone who can read a pid file may take a shared lock on it; a daemon's lock is exclusive.
  // A stale file held that way is stale all the same: start reclaims it, stop removes it, and
  // the locker is never signalled.
  write_file(path("app.pid"), "99999\n");
  const pid_t locker = ::fork();
  if (locker == 0) {
    const int fd = ::open(path("app.pid").c_str(), O_RDONLY);
    ::flock(fd, LOCK_SH);
    for (;;) ::pause();
  }
  for (int i = 0; i < 200; ++i) ::usleep(1'000);
  const auto st = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(st.exit_code, 1) << st.out;
  const auto r = run({"stop", "--pidfile", pidfile()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("removed"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  write_file(path("app.pid"), "99999\n");
  const pid_t locker2 = ::fork();
  if (locker2 == 0) {
    const int fd = ::open(path("app.pid").c_str(), O_RDONLY);
    ::flock(fd, LOCK_SH);
    for (;;) ::pause();
  }
  for (int i = 0; i < 200; ++i) ::usleep(1'000);
  const auto s2 = run({"start", "--pidfile", pidfile(), "--", "sleep", "60"});
  EXPECT_EQ(s2.exit_code, 0) << "a reader's shared lock blocked the start: " << s2.err;
  EXPECT_TRUE(alive(locker));
  EXPECT_TRUE(alive(locker2));
  ::kill(locker, SIGKILL);
  ::kill(locker2, SIGKILL);
}

TEST_F(CliAdversary, ContentThatStartsWithALivePidIsNeverDeleted) {
  const pid_t other = bystander();
  for (const std::string& content : {std::string(" extra"), std::string("\n3"), std::string(80, ' ')}) {
    write_file(path("app.pid"), std::to_string(other) + content + "\n");
    EXPECT_EQ(run({"status", "--pidfile", pidfile()}).exit_code, 4) << content;
    EXPECT_EQ(run({"stop", "--pidfile", pidfile()}).exit_code, 1) << content;
    EXPECT_TRUE(fs::exists(path("app.pid"))) << "deleted: '" << content << "'";
  }
  EXPECT_TRUE(alive(other));
  ::kill(other, SIGKILL);
}

TEST_F(CliAdversary, DetachNeverExecsInPlaceEvenWithoutASupervisor) {
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const pid_t starter = spawn([&] {
    ::execl(cli, cli, "start", "--detach", "never", "--pidfile", pidfile().c_str(), "--", "sh",
            "-c", ("echo $$ > '" + path("sh.pid").string() + "'; exec sleep 60").c_str(), nullptr);
    std::_Exit(127);
  });
  for (int i = 0; i < 300 && read_file(path("sh.pid")).empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(std::atoll(read_file(path("sh.pid")).c_str()), starter) << "it forked";
  EXPECT_EQ(pid_in_file(), starter);
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(CliAdversary, DescriptorNumbersOutOfRangeAreUsageErrors) {
  for (const auto& [flag, value, says] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--ready-fd", "-5", "--ready-fd -5 is not a descriptor number"},
           {"--ready-fd", "2147483647", "is beyond the descriptor limit"},
           {"--keep-fd", "-1", "--keep-fd -1 is not a descriptor number"}}) {
    const auto r = run({"start", "--pidfile", pidfile(), flag, value, "--", "sleep", "1"});
    EXPECT_EQ(r.exit_code, 2) << flag << " " << value;
    EXPECT_THAT(r.err, HasSubstr(says));
  }
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

}  // namespace
}  // namespace daemoniker::testing

// Cases found by a second adversarial review.
namespace daemoniker::testing {
namespace {

TEST_F(CliAdversary, StopFromInsideTheDaemonsTreeRefusesAndSignalsNothing) {
  // An sshd-like daemon: a login session (a setsid child) runs stop on its own daemon.
  const std::string cli = fs::absolute(std::getenv("DAEMONIKER_CLI")).string();
  write_file(path("login.sh"), "cd '" + dir().string() + "'\n'" + cli + "' stop --pidfile '" +
                                   pidfile() + "' --retry TERM/1/KILL/1 > stop.out 2>&1\n"
                                   "echo $? > stop.rc\nexec sleep 60\n");
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "sleep 60 & echo $! > other; setsid sh login.sh & wait"})
                .exit_code,
            0);
  const long long daemon = pid_in_file();
  for (int i = 0; i < 500 && read_file(path("stop.rc")).empty(); ++i) ::usleep(10'000);
  EXPECT_EQ(read_file(path("stop.rc")), "1\n") << read_file(path("stop.out"));
  EXPECT_THAT(read_file(path("stop.out")), HasSubstr("not signalled"));
  EXPECT_TRUE(alive(daemon)) << "the daemon was stopped from inside its own tree";
  EXPECT_TRUE(alive(std::atoll(read_file(path("other")).c_str()))) << "its other child was killed";
  const auto st = run({"status", "--pidfile", pidfile()});
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_EQ(run({"stop", "--pidfile", pidfile()}).exit_code, 0) << "from outside, it stops";
}

TEST_F(CliAdversary, StopReachesEveryDescendantEvenThoseReparentedOnTheWay) {
  // Workers that closed the lock: descendants, not holders. The parent dies of the first TERM,
  // which re-parents them before they are signalled: all must be pinned beforehand.
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "for i in $(seq 20); do python3 -c 'import os, time; os.closerange(3, 4096); "
                 "time.sleep(60)' & echo $! >> workers; done; wait"})
                .exit_code,
            0);
  for (int i = 0; i < 300; ++i) {
    const std::string workers = read_file(path("workers"));
    if (std::count(workers.begin(), workers.end(), '\n') >= 20) break;
    ::usleep(10'000);
  }
  ::usleep(300'000);  // the workers closed their descriptors
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const int worker : split_ints(read_file(path("workers")))) {
    EXPECT_FALSE(alive(worker)) << "worker " << worker << " escaped the stop";
  }
}

TEST_F(CliAdversary, ANotifyStartThatFailsBeforeTheDaemonConfirmedLeavesNoSocketDirectory) {
  char short_tmp[] = "/tmp/dmk-notify-test.XXXXXX";  // short: the socket path fits under it
  ASSERT_NE(::mkdtemp(short_tmp), nullptr);
  const char* cli = std::getenv("DAEMONIKER_CLI");
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--stdout", path("nowhere/out.log").string()},
           {"--chdir", path("nowhere").string()},
           {"--user", "no-such-user-here"}}) {
    const auto r = invoke([&] {
      ::setenv("TMPDIR", short_tmp, 1);
      std::vector<std::string> args = {cli, "start", "--pidfile", pidfile(), "--notify"};
      args.insert(args.end(), bad.begin(), bad.end());
      for (const char* rest : {"--", "sleep", "60"}) args.emplace_back(rest);
      std::vector<char*> argv;
      for (auto& x : args) argv.push_back(x.data());
      argv.push_back(nullptr);
      ::execv(cli, argv.data());
      std::_Exit(127);
    });
    EXPECT_EQ(r.exit_code, 1) << bad[0] << ": " << r.stderr_text;
    EXPECT_TRUE(fs::is_empty(short_tmp)) << bad[0] << " left " << fs::directory_iterator(short_tmp)->path();
  }
  fs::remove_all(short_tmp);
}

TEST_F(CliAdversary, StopWaitsForTheDaemonEvenWhenItRemovesItsPidFileFirst) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--", "sh", "-c",
                 "trap 'rm -f \"" + pidfile() + "\"; sleep 1; exit 0' TERM; "
                 "while :; do sleep 0.1; done"})
                .exit_code,
            0);
  const long long pid = pid_in_file();
  ::usleep(200'000);
  const auto r = run({"stop", "--pidfile", pidfile(), "--retry", "TERM/10"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(pid)) << "stop returned while the daemon still ran";
}

TEST_F(CliAdversary, ScriptsAreMatchedByInterpreterAndNameNeverByArgv) {
  write_file(path("myd.sh"), "#!/bin/sh -e\nwhile :; do sleep 1; done\n");
  fs::permissions(path("myd.sh"), fs::perms::owner_all);
  const pid_t script = ::fork();  // started directly, as start-stop-daemon --exec does
  if (script == 0) {
    ::execl(path("myd.sh").c_str(), "myd.sh", nullptr);
    std::_Exit(127);
  }
  const pid_t forger = ::fork();  // another program claiming the script as its argv[0]
  if (forger == 0) {
    ::execl("/bin/sleep", path("myd.sh").c_str(), "60", nullptr);
    std::_Exit(127);
  }
  ::usleep(300'000);
  write_file(path("app.pid"), std::to_string(script) + "\n");
  write_file(path("forged.pid"), std::to_string(forger) + "\n");
  EXPECT_EQ(run({"status", "--pidfile", pidfile(), "--exec", path("myd.sh").string()}).exit_code, 0);
  EXPECT_EQ(run({"status", "--pidfile", path("forged.pid").string(), "--exec", path("myd.sh").string()}).exit_code, 1);
  EXPECT_EQ(run({"start", "--pidfile", pidfile(), "--", path("myd.sh").string()}).exit_code, 1)
      << "a second copy of a '#!/bin/sh -e' script was started";
  // A file whose first line names the running program, and more after it: still running.
  const pid_t other = bystander();
  write_file(path("multi.pid"), std::to_string(script) + "\n5432\n");
  EXPECT_EQ(run({"start", "--pidfile", path("multi.pid").string(), "--", path("myd.sh").string()}).exit_code, 1);
  EXPECT_TRUE(fs::exists(path("multi.pid")));
  ::kill(script, SIGKILL);
  ::kill(forger, SIGKILL);
  ::kill(other, SIGKILL);
}

TEST_F(CliAdversary, ASupervisorsParentWinsOverAnInheritedNotifySocket) {
  // runsv started from a systemd unit passes NOTIFY_SOCKET on; its child is runit's.
  fs::copy_file("/bin/sh", path("runsv"));
  const std::string cli = fs::absolute(std::getenv("DAEMONIKER_CLI")).string();
  const pid_t supervisor = spawn([&] {
    ::setenv("NOTIFY_SOCKET", "/run/nonexistent-notify", 1);
    const std::string run_script = "'" + cli + "' start --pidfile '" + pidfile() +
                                   "' -- sh -c 'echo $$ > \"" + path("prog.pid").string() +
                                   "\"; exec sleep 60' & wait";
    ::execl(path("runsv").c_str(), "runsv", "-c", run_script.c_str(), nullptr);
    std::_Exit(127);
  });
  for (int i = 0; i < 300 && read_file(path("prog.pid")).empty(); ++i) ::usleep(10'000);
  const long long program = std::atoll(read_file(path("prog.pid")).c_str());
  ASSERT_GT(program, 0);
  EXPECT_EQ(read_file("/proc/" + std::to_string(program) + "/stat").find(" " + std::to_string(supervisor) + " "),
            read_file("/proc/" + std::to_string(program) + "/stat").find(") ") + 3)
      << "the program is not runsv's own child: start forked";
  EXPECT_EQ(pid_in_file(), program);
}

TEST_F(CliAdversary, UserAloneDoesNotIdentifyAProcess) {
  const pid_t other = bystander();  // runs as root, as most processes do
  write_file(path("app.pid"), std::to_string(other) + "\n");
  const auto r = run({"stop", "--pidfile", pidfile(), "--user", "root"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--user alone"));
  EXPECT_TRUE(alive(other));
  ::kill(other, SIGKILL);
}

TEST_F(CliAdversary, KillModeProcessStopsTheDaemonAndLeavesItsChildren) {
  ASSERT_EQ(run({"start", "--pidfile", pidfile(), "--chdir", dir().string(), "--", "sh", "-c",
                 "sleep 60 & echo $! > child; wait"})
                .exit_code,
            0);
  const long long daemon = pid_in_file();
  for (int i = 0; i < 300 && read_file(path("child")).empty(); ++i) ::usleep(10'000);
  const long long child = std::atoll(read_file(path("child")).c_str());
  ASSERT_GT(child, 0);
  const auto r = run({"stop", "--pidfile", pidfile(), "--kill-mode", "process", "--retry", "TERM/5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(alive(daemon));
  EXPECT_TRUE(alive(child)) << "--kill-mode process reached a child";
  ::kill(static_cast<pid_t>(child), SIGKILL);
}

}  // namespace
}  // namespace daemoniker::testing
