// StopRacingStart.*: a daemon goes away (SIGTERM or SIGKILL) while new starters run. The shared
// fixture and what all reliability suites check: tests/reliability_support.hpp.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

#include "tests/reliability_support.hpp"
#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A daemon goes away (SIGTERM: it unlinks then unlocks; SIGKILL: its file stays, unlocked) at
// the moment new starters run. Whoever wins must hold the inode the name refers to — never a
// vanished one — and a starter that lost to the old daemon must name it.
struct StopRace {
  const char* name;
  int signal;
};

class StopRacingStart : public Reliability, public ::testing::WithParamInterface<StopRace> {};

TEST_P(StopRacingStart, NewStarterWinsCleanlyAndNeverLocksAVanishedInode) {
  constexpr int kIterations = 60;
  constexpr int kStarters = 4;
  const fs::path pid_file = path("app.pid");
  long won = 0, lost_to_old = 0, lost_to_new = 0, retried_and_won = 0;
  std::mt19937 rng(42);
  for (int it = 0; it < kIterations; ++it) {
    const fs::path old_dir = path("old" + std::to_string(it));
    fs::create_directories(old_dir);
    const pid_t old_invoker = spawn(old_dir / "invoker.stderr", [&] {
      daemonize(pid_file, {.chdir = old_dir});
      report_held_inode(old_dir);
    });
    ASSERT_EQ(wait_for(old_invoker), 0) << read_file(old_dir / "invoker.stderr");
    const pid_t old = std::stoi(await_in(old_dir).at("pid"));

    const fs::path nd = path("new" + std::to_string(it));
    fs::create_directories(nd);
    int gate[2];
    ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
    std::vector<pid_t> starters;
    for (int i = 0; i < kStarters; ++i) {
      starters.push_back(spawn(
          nd / (std::to_string(i) + ".stderr"),
          [&] {
            daemonize(pid_file, {.chdir = nd});
            report_held_inode(nd);
          },
          gate[0], gate[1]));
    }
    ::close(gate[0]);
    // Vary which goes first: the signal (by up to 300 µs), or the starters (by up to 2.5 ms,
    // about the time a starter takes to reach the pid file step).
    const int delay_us = static_cast<int>(rng() % 2800) - 300;
    if (delay_us < 0) {
      ::kill(old, GetParam().signal);
      std::this_thread::sleep_for(std::chrono::microseconds(-delay_us));
      ::close(gate[1]);
    } else {
      ::close(gate[1]);
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      ::kill(old, GetParam().signal);
    }
    std::vector<int> status(kStarters);
    for (int i = 0; i < kStarters; ++i) status[i] = wait_for(starters[i]);
    wait_for(old);

    int winners = 0;
    std::vector<std::string> refusals;
    for (int i = 0; i < kStarters; ++i) {
      const std::string err = read_file(nd / (std::to_string(i) + ".stderr"));
      if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0) {
        ++winners;
      } else if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 1 &&
                 err.find("already running (pid " + std::to_string(old) + ")") !=
                     std::string::npos) {
        ++lost_to_old;  // refused by the old daemon while it still ran
      } else if (WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 1 &&
                 err.find("already running (pid ") != std::string::npos) {
        ++lost_to_new;  // refused by the new winner (checked below to be that one)
        refusals.push_back(err);
      } else {
        ADD_FAILURE() << "iteration " << it << " starter " << i << ": " << status_text(status[i])
                      << ": " << err;
      }
    }
    ASSERT_LE(winners, 1) << "two daemons on one pid file, iteration " << it;
    if (winners == 0) {
      // Every starter lost to the old daemon; it is gone now, so its file must be too (SIGTERM)
      // or be stale (SIGKILL) — and the next start must win.
      if (GetParam().signal == SIGTERM) {
        EXPECT_FALSE(fs::exists(pid_file)) << "iteration " << it;
      }
      const pid_t again = spawn(nd / "again.stderr", [&] {
        daemonize(pid_file, {.chdir = nd});
        report_held_inode(nd);
      });
      ASSERT_EQ(wait_for(again), 0) << read_file(nd / "again.stderr");
      ++retried_and_won;
    } else {
      ++won;
    }
    const observation o = await_in(nd);
    for (const auto& err : refusals) {
      EXPECT_THAT(err, HasSubstr("already running (pid " + o.at("pid") + ")")) << it;
    }
    struct stat st {};
    ASSERT_EQ(::stat(pid_file.c_str(), &st), 0) << "iteration " << it << ": the winner's pid "
                                                << "file vanished (the old daemon unlinked it)";
    EXPECT_EQ(std::to_string(st.st_ino), o.at("held_ino"))
        << "iteration " << it << ": the winner locked an inode the name no longer refers to";
    EXPECT_EQ(read_file(pid_file), o.at("pid") + "\n");
    EXPECT_TRUE(is_locked(pid_file));
    EXPECT_EQ(stop(std::stoi(o.at("pid"))), 0);
    EXPECT_FALSE(fs::exists(pid_file));
    EXPECT_THAT(children(), IsEmpty()) << "iteration " << it;
  }
  figures(std::string("stop_racing_start_") + GetParam().name,
          {{"iterations", kIterations},
           {"starters", kIterations * kStarters},
           {"new_daemon_won_the_race", won},
           {"starters_refused_by_old_daemon", lost_to_old},
           {"starters_refused_by_new_daemon", lost_to_new},
           {"all_lost_to_old_then_restart_won", retried_and_won},
           {"vanished_inode_locked", 0}});
}

INSTANTIATE_TEST_SUITE_P(Daemonize, StopRacingStart,
                         ::testing::Values(StopRace{"SigTerm", SIGTERM},
                                           StopRace{"SigKill", SIGKILL}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace daemoniker::testing
