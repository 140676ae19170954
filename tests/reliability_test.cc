// Reliability.*: many starters at once on one pid file, stale pid files, hostile and bad
// input. The shared fixture and what all reliability suites check: tests/reliability_support.hpp.
// Reliability.PidFileOfAnotherUser* needs a second real user and runs unsandboxed, in its own
// target (//tests:reliability_owner_test); //tests:reliability_test runs the rest.
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include "daemoniker/src/sys_faults.hpp"

#include "tests/reliability_faults.hpp"
#include "tests/reliability_support.hpp"
#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using detail::sys;

// --- races -----------------------------------------------------------------------------------

// "<digits>\n" and nothing else: the only content a reader may ever see.
bool complete_pid_line(const char* s, std::size_t n) {
  if (n < 2 || s[n - 1] != '\n' || s[0] == '0') return false;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// Shared with the reader process (MAP_SHARED): what it saw of the pid file.
struct reader_log {
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, absent{0}, complete{0}, bad{0}, other_pid{0};
  std::atomic<long> expected_pid{0};  // 0: any complete line is fine
  char bad_sample[64] = {};
};

// A process that reads `pid_file` in a tight loop until told to stop, classifying every read.
pid_t start_reader(const fs::path& pid_file, reader_log* log) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  char buf[64];
  while (!log->stop.load()) {
    const int fd = ::open(pid_file.c_str(), O_RDONLY | O_CLOEXEC);
    log->reads++;
    if (fd == -1) {
      if (errno == ENOENT) {
        log->absent++;
      } else {
        log->bad++;
      }
      continue;
    }
    const ssize_t n = ::read(fd, buf, sizeof buf);
    ::close(fd);
    if (n > 0 && complete_pid_line(buf, static_cast<std::size_t>(n))) {
      log->complete++;
      const long expected = log->expected_pid.load();
      if (expected != 0 && std::atol(buf) != expected) log->other_pid++;
    } else {
      if (log->bad++ == 0) std::memcpy(log->bad_sample, buf, n > 0 ? std::min<ssize_t>(n, 63) : 0);
    }
  }
  ::_exit(0);
}

TEST_F(Reliability, ManyStartersAtOnceMakeExactlyOneDaemonPerRound) {
  constexpr int kRounds = 20;
  constexpr int kStarters = 64;
  auto* log = static_cast<reader_log*>(::mmap(nullptr, sizeof(reader_log), PROT_READ | PROT_WRITE,
                                              MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(log, MAP_FAILED);
  new (log) reader_log;
  const fs::path pid_file = path("app.pid");
  const pid_t reader = start_reader(pid_file, log);

  long winners = 0, refused = 0, refused_naming_winner = 0, other = 0, max_round_ms = 0;
  for (int round = 0; round < kRounds; ++round) {
    const fs::path rd = path("round" + std::to_string(round));
    fs::create_directories(rd);
    int gate[2];
    ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
    std::vector<pid_t> invokers;
    for (int i = 0; i < kStarters; ++i) {
      invokers.push_back(spawn(
          rd / (std::to_string(i) + ".stderr"),
          [&] {
            daemonize(pid_file, {.chdir = rd});
            report_held_inode(rd);
          },
          gate[0], gate[1]));
    }
    ::close(gate[0]);
    const auto t0 = std::chrono::steady_clock::now();
    ::close(gate[1]);  // all 64 go
    std::vector<int> status(kStarters);
    for (int i = 0; i < kStarters; ++i) status[i] = wait_for(invokers[i]);
    max_round_ms = std::max<long>(
        max_round_ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count());

    int round_winners = 0;
    for (int i = 0; i < kStarters; ++i) {
      if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0) ++round_winners;
    }
    ASSERT_EQ(round_winners, 1) << "round " << round;
    winners += round_winners;
    const observation o = await_in(rd);
    const std::string winner = o.at("pid");
    log->expected_pid = std::stol(winner);
    EXPECT_EQ(read_file(pid_file), winner + "\n") << "round " << round;
    EXPECT_TRUE(is_locked(pid_file));
    struct stat st {};
    ASSERT_EQ(::stat(pid_file.c_str(), &st), 0);
    EXPECT_EQ(std::to_string(st.st_ino), o.at("held_ino")) << "the name is not the locked inode";
    for (int i = 0; i < kStarters; ++i) {
      if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0) continue;
      const std::string err = read_file(rd / (std::to_string(i) + ".stderr"));
      if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 1 &&
          err.find("already running (pid ") != std::string::npos) {
        ++refused;
        if (err.find("already running (pid " + winner + ")") != std::string::npos) {
          ++refused_naming_winner;
        } else {
          ADD_FAILURE() << "starter " << i << " named another holder than " << winner << ": "
                        << err;
        }
      } else {
        ++other;
        ADD_FAILURE() << "starter " << i << " ended with " << status_text(status[i]) << ": "
                      << err;
      }
    }
    EXPECT_EQ(stop(std::stoi(winner)), 0);
    log->expected_pid = 0;
    EXPECT_FALSE(fs::exists(pid_file)) << "the stopped winner left its pid file";
    // Only the reader is left running; no temporary file either.
    for (const pid_t kid : children()) EXPECT_EQ(kid, reader) << "left behind";
    for (const auto& e : fs::directory_iterator(dir())) {
      EXPECT_THAT(e.path().filename().string(), ::testing::StartsWith("round")) << e.path();
    }
  }
  log->stop = true;
  EXPECT_EQ(wait_for(reader), 0);
  EXPECT_EQ(log->bad.load(), 0) << "the reader saw a torn or empty pid file: '"
                                << log->bad_sample << "'";
  EXPECT_EQ(log->other_pid.load(), 0) << "the reader saw another pid than the winner's";
  EXPECT_GT(log->complete.load(), 0) << "the reader never saw the file: the test proves nothing";
  figures("many_starters", {{"rounds", kRounds},
                            {"starters", kRounds * kStarters},
                            {"daemons", winners},
                            {"refused_already_running", refused},
                            {"refused_naming_winner", refused_naming_winner},
                            {"other_outcome", other},
                            {"reader_reads", log->reads.load()},
                            {"reader_complete", log->complete.load()},
                            {"reader_absent", log->absent.load()},
                            {"reader_torn_or_empty", log->bad.load()},
                            {"reader_other_pid", log->other_pid.load()},
                            {"slowest_round_ms", max_round_ms}});
  ::munmap(log, sizeof(reader_log));
  EXPECT_THAT(children(), IsEmpty());
}

// --- stale pid files -------------------------------------------------------------------------

// A process that is not a daemon and holds no lock: it records every signal it gets.
struct bystander {
  pid_t pid = 0;
  int signals = -1;  // read end: one byte per signal received
};

int bystander_pipe = -1;
void note_signal(int sig) {
  const char c = static_cast<char>(sig);
  (void)!::write(bystander_pipe, &c, 1);
}

bystander start_bystander() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    bystander_pipe = p[1];
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &sa, nullptr);
    }
    for (;;) ::pause();
  }
  ::close(p[1]);
  return {pid, p[0]};
}

TEST_F(Reliability, StaleFilesAreReclaimedAndAnUnrelatedProcessWithTheirPidIsUntouched) {
  constexpr int kEach = 25;
  const fs::path pid_file = path("app.pid");
  std::map<std::string, long> reclaimed;
  auto start_and_check = [&](const std::string& kind) {
    fs::remove(path("observed"));
    const auto r = invoke([&] {
      daemonize(pid_file, {.chdir = dir()});
      report_held_inode(dir());
    });
    ASSERT_EQ(r.exit_code, 0) << kind << ": " << r.stderr_text;
    const observation o = await_observation();
    EXPECT_EQ(read_file(pid_file), o.at("pid") + "\n") << kind;
    struct stat st {};
    ASSERT_EQ(::stat(pid_file.c_str(), &st), 0);
    EXPECT_EQ(std::to_string(st.st_ino), o.at("held_ino")) << kind;
    EXPECT_EQ(stop(std::stoi(o.at("pid"))), 0);
    EXPECT_FALSE(fs::exists(pid_file));
    ++reclaimed[kind];
  };

  for (int i = 0; i < kEach; ++i) {
    // 1. The pid of a process that has exited (and been reaped).
    const pid_t gone = ::fork();
    if (gone == 0) ::_exit(0);
    wait_for(gone);
    write_file(pid_file, std::to_string(gone) + "\n");
    start_and_check("dead_pid");

    // 2. The pid of an unrelated live process (a reused number): it must get no signal at all.
    const bystander b = start_bystander();
    ASSERT_GT(b.pid, 0);
    write_file(pid_file, std::to_string(b.pid) + "\n");
    start_and_check("live_unrelated_pid");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    char got[16];
    const ssize_t n = ::read(b.signals, got, sizeof got);
    EXPECT_EQ(n, -1) << "the unrelated process got signal " << (n > 0 ? got[0] : 0);
    EXPECT_EQ(::waitpid(b.pid, nullptr, WNOHANG), 0) << "the unrelated process died";
    EXPECT_EQ(::kill(b.pid, 0), 0);
    ::kill(b.pid, SIGKILL);
    wait_for(b.pid);
    ::close(b.signals);

    // 3. Our own pid (the test's: alive, related, not a daemon).
    write_file(pid_file, std::to_string(::getpid()) + "\n");
    start_and_check("own_pid_of_the_caller");

    // 4. Left by a daemon killed with SIGKILL (its lock went with it; the file stayed).
    fs::remove(path("observed"));
    const auto r = invoke([&] {
      daemonize(pid_file, {.chdir = dir()});
      report_held_inode(dir());
    });
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    const pid_t killed = std::stoi(await_observation().at("pid"));
    ::kill(killed, SIGKILL);
    wait_for(killed);
    ASSERT_TRUE(fs::exists(pid_file));
    ASSERT_FALSE(is_locked(pid_file));
    start_and_check("left_by_sigkilled_daemon");

    // 5. Garbage and an empty file.
    write_file(pid_file, i % 2 == 0 ? "" : "not a pid at all\n\x01\xff");
    start_and_check(i % 2 == 0 ? "empty_file" : "garbage");
  }
  EXPECT_THAT(children(), IsEmpty());
  std::vector<std::pair<std::string, long long>> f;
  for (const auto& [k, v] : reclaimed) f.emplace_back(k, v);
  figures("stale_files", f);
}

// --- hostile input ---------------------------------------------------------------------------

// Every regular file under `d` with its content, to prove nothing was written.
std::map<std::string, std::string> snapshot(const fs::path& d) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(d)) {
    if (e.is_regular_file() && !e.path().filename().string().ends_with(".stderr")) {
      out[e.path().string()] = read_file(e.path());
    }
  }
  return out;
}

TEST_F(Reliability, PidFilePathLongerThanPathMaxIsRefusedBeforeAnythingStarts) {
  write_file(path("precious"), "keep\n");
  const auto before = snapshot(dir());
  const fs::path long_path = dir() / std::string(PATH_MAX + 100, 'p');
  const auto r = invoke([&] {
    daemonize(long_path);
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("pid file"), HasSubstr("longer than PATH_MAX"),
                                   HasSubstr("File name too long")));
  EXPECT_LT(r.stderr_text.size(), 1024u) << "the message repeats the whole path";
  EXPECT_EQ(snapshot(dir()), before);
  expect_nothing_left(dir(), {"precious", "invoker.stderr"});
}

TEST_F(Reliability, PidFileNameLongerThanNameMaxIsRefusedAndNothingCreated) {
  for (const bool unnamed : {true, false}) {
    const fs::path p = dir() / (std::string(NAME_MAX + 1, 'n') + ".pid");
    const auto r = invoke([&] {
      if (!unnamed) sys().open = open_without_tmpfile;
      daemonize(p);
      report_and_wait_for_term(dir());
    });
    EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
    EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("pid file"), HasSubstr("File name too long")));
    expect_nothing_left(dir(), {"invoker.stderr"});
  }
}

TEST_F(Reliability, HugeGarbagePidFileIsReclaimedWhenUnlockedAndRefusedWhenLocked) {
  const fs::path pid_file = path("app.pid");
  std::string garbage(16 << 20, '\0');
  std::mt19937 rng(6);
  for (char& c : garbage) c = static_cast<char>(rng());
  garbage.replace(0, 6, "77777\x01");

  // Locked by a live process that is not a daemon: refused, the file untouched.
  write_file(pid_file, garbage);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    const int fd = ::open(pid_file.c_str(), O_RDONLY);
    ::flock(fd, LOCK_EX);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::close(ready[1]);
  auto r = invoke([&] {
    daemonize(pid_file, {.chdir = dir()});
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 1);
  // The garbage names pid 77777, which does not exist: the file is held, but not by it.
  EXPECT_THAT(r.stderr_text, HasSubstr("is locked, but not by the pid it names"));
  EXPECT_EQ(read_file(pid_file), garbage) << "a held pid file was written";
  ::kill(holder, SIGKILL);
  wait_for(holder);

  // Unlocked: stale, reclaimed; the old inode (kept through a second link) is never written.
  ASSERT_EQ(::link(pid_file.c_str(), path("old.inode").c_str()), 0);
  r = invoke([&] {
    daemonize(pid_file, {.chdir = dir()});
    report_held_inode(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const observation o = await_observation();
  EXPECT_EQ(read_file(pid_file), o.at("pid") + "\n");
  EXPECT_EQ(read_file(path("old.inode")), garbage);
  EXPECT_EQ(stop(std::stoi(o.at("pid"))), 0);
  figures("huge_garbage", {{"bytes", static_cast<long long>(garbage.size())},
                           {"locked_refused", 1},
                           {"unlocked_reclaimed", 1}});
}

// Becomes `uid` keeping one capability, CAP_DAC_READ_SEARCH: TEST_TMPDIR usually lies under
// /root (mode 0700), which nobody could not even traverse. Searching is all it grants: nobody
// still may not remove another user's file from a sticky directory, nor write it.
bool become_nobody_who_can_search(uid_t uid) {
  if (::prctl(PR_SET_KEEPCAPS, 1) != 0 || ::setgroups(0, nullptr) != 0 || ::setgid(uid) != 0 ||
      ::setuid(uid) != 0) {
    return false;
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  data[0].effective = data[0].permitted = 1u << CAP_DAC_READ_SEARCH;
  return ::syscall(SYS_capset, &header, data) == 0;
}

// A world-writable sticky directory (like /tmp) holding a pid file of another user. As root the
// stale file is reclaimed (root may remove it) without its inode being written; as an
// unprivileged user the sticky bit forbids removing it, which must be a clear error — never a
// write into the other user's file.
TEST_F(Reliability, PidFileOfAnotherUserInAStickyWorldWritableDirectory) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create files of another user (nobody)";
  constexpr uid_t kNobody = 65534;
  const fs::path sticky = path("sticky");
  fs::create_directories(sticky);
  ASSERT_EQ(::chmod(sticky.c_str(), 01777), 0);
  const fs::path pid_file = sticky / "app.pid";

  // 1. root starts; the stale file belongs to nobody: reclaimed, its inode never written.
  write_file(pid_file, "4242\n");
  if (::chown(pid_file.c_str(), kNobody, kNobody) != 0 && errno == EINVAL) {
    GTEST_SKIP() << "uid " << kNobody << " is not mapped in this user namespace (uid_map: "
                 << read_file("/proc/self/uid_map")
                 << "); Bazel's linux-sandbox maps only root: //tests:reliability_owner_test "
                    "runs this case unsandboxed";
  }
  ASSERT_EQ(::chown(pid_file.c_str(), kNobody, kNobody), 0) << std::strerror(errno);
  ASSERT_EQ(::link(pid_file.c_str(), path("nobodys.inode").c_str()), 0);
  auto r = invoke([&] {
    daemonize(pid_file, {.chdir = sticky});
    report_held_inode(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  observation o = await_observation();
  EXPECT_EQ(read_file(pid_file), o.at("pid") + "\n");
  EXPECT_EQ(read_file(path("nobodys.inode")), "4242\n");
  struct stat st {};
  ASSERT_EQ(::stat(path("nobodys.inode").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, kNobody);
  EXPECT_EQ(stop(std::stoi(o.at("pid"))), 0);
  fs::remove(path("observed"));

  // 2. nobody starts; the stale file belongs to root: the sticky bit forbids removing it.
  write_file(pid_file, "4343\n");
  const auto report = path("nobody.report");
  r = invoke([&] {
    if (!become_nobody_who_can_search(kNobody)) ::_exit(98);
    daemonize(pid_file, {.chdir = sticky});
    report_and_wait_for_term(sticky);
  });
  if (r.exit_code == 98) GTEST_SKIP() << "cannot become nobody here";
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, AllOf(HasSubstr("is stale (its daemon is gone) but cannot be "
                                             "removed"),
                                   HasSubstr("Operation not permitted")));
  EXPECT_EQ(read_file(pid_file), "4343\n") << "root's file was written";
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(sticky)) names.insert(e.path().filename());
  EXPECT_EQ(names, std::set<std::string>{"app.pid"}) << "a temporary file was left";
  EXPECT_THAT(children(), IsEmpty());
}

// A log the daemon may not write. Not root: chmod 0400 is enough. Root ignores permission bits,
// so the invoking process gets a private mount namespace where the log is bind-mounted
// read-only (what a read-only /var/log looks like); a namespace cannot leak to the test.
TEST_F(Reliability, UnwritableRedirectTargetIsReportedAndItsContentSurvives) {
  const fs::path log = path("ro.log");
  write_file(log, "old line\n");
  ASSERT_EQ(::chmod(log.c_str(), 0400), 0);
  const bool root = ::geteuid() == 0;
  const auto r = invoke([&] {
    if (root) {
      if (::unshare(CLONE_NEWNS) != 0 ||
          ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          ::mount(log.c_str(), log.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
          ::mount(nullptr, log.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) !=
              0) {
        std::fprintf(stderr, "no mount namespace: %s\n", std::strerror(errno));
        ::_exit(97);
      }
    }
    daemonize(path("app.pid"), {.chdir = dir(), .stdout_goto = log});
    report_and_wait_for_term(dir());
  });
  if (r.exit_code == 97) {
    GTEST_SKIP() << "running as root, and no private mount namespace for a read-only bind mount ("
                 << r.stderr_text << "): root would ignore chmod 0400";
  }
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("stdout redirect: cannot open stdout_goto '" +
                                       log.string() + "' for appending: "));
  EXPECT_THAT(r.stderr_text, root ? HasSubstr("Read-only file system; the filesystem is read-only")
                                  : HasSubstr("Permission denied"));
  EXPECT_EQ(read_file(log), "old line\n");
  expect_nothing_left(dir(), {"ro.log", "invoker.stderr"});
}

// stdout and stderr on one existing log: one open file, appended — the old lines survive.
TEST_F(Reliability, SharedLogIsAppendedNeverTruncated) {
  constexpr int kStarts = 10;
  const fs::path log = path("app.log");
  write_file(log, "line from before\n");
  for (int i = 0; i < kStarts; ++i) {
    fs::remove(path("observed"));
    const auto r = invoke([&] {
      daemonize(path("app.pid"), {.chdir = dir(), .stdout_goto = log, .stderr_goto = log});
      std::printf("out %d\n", ::getpid());
      std::fflush(stdout);
      std::fprintf(stderr, "err %d\n", ::getpid());
      report_and_wait_for_term(dir());
    });
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
    EXPECT_EQ(stop(std::stoi(await_observation().at("pid"))), 0);
  }
  const std::string text = read_file(log);
  EXPECT_TRUE(text.starts_with("line from before\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 2 * kStarts) << text;
}

}  // namespace
}  // namespace daemoniker::testing
