// The laws' harness on Windows (daemoniker/testing/harness.hpp), under Wine: a re-run of the
// test program in a job object, which is closed — killing what is left in it — when the law's
// body is done or its time is up. (laws_catch_test checks the same of the forked harness on
// Linux.)
#include <windows.h>

#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemoniker/testing/harness.hpp"

namespace daemoniker::testing {
namespace {

using ::testing::HasSubstr;

// A process that never ends by itself: this program, started with HARNESS_SLEEPER set, sleeps
// before main() runs.
[[maybe_unused]] const bool sleeper = [] {
  if (std::getenv("HARNESS_SLEEPER") != nullptr) ::Sleep(INFINITE);
  return false;
}();

struct left_behind {
  DWORD pid[2];
  int started;
};

// Starts a sleeper, detached from the harness as a daemon is, and records its pid.
void start_sleeper(left_behind& l, int slot) {
  wchar_t module[32768] = {};
  ::GetModuleFileNameW(nullptr, module, 32768);
  std::wstring line = L"\"" + std::wstring(module) + L"\"";
  ::SetEnvironmentVariableW(L"HARNESS_SLEEPER", L"1");
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  if (::CreateProcessW(module, line.data(), nullptr, nullptr, FALSE,
                       DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP, nullptr, nullptr, &si, &pi)) {
    l.pid[slot] = pi.dwProcessId;
    ++l.started;
    ::CloseHandle(pi.hThread);
    ::CloseHandle(pi.hProcess);
  }
}

bool has_ended(DWORD pid) {
  HANDLE h = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (h == nullptr) return true;
  const bool ended = ::WaitForSingleObject(h, 5000) == WAIT_OBJECT_0;  // killing takes a moment
  ::CloseHandle(h);
  return ended;
}

TEST(Harness, RunsTheBodyInAnotherProcess) {
  laws_detail::shared<DWORD> where;
  ASSERT_TRUE(laws_detail::in_child([&] { *where = ::GetCurrentProcessId(); }));
  EXPECT_NE(*where, 0u) << "the body did not run";
  EXPECT_NE(*where, ::GetCurrentProcessId()) << "the body ran in the test process";
}

TEST(Harness, ReportsWhatTheBodyThrew) {
  const auto ran = laws_detail::in_child([] { throw std::runtime_error("the body's own error"); });
  EXPECT_FALSE(ran);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("the law's body threw: the body's own error"));
}

TEST(Harness, LeavesNoProcessBehind) {
  laws_detail::shared<left_behind> l;
  ASSERT_TRUE(laws_detail::in_child([&] { start_sleeper(*l, 0); }));
  ASSERT_EQ(l->started, 1);
  EXPECT_TRUE(has_ended(l->pid[0])) << "pid " << l->pid[0];
}

TEST(Harness, EndsABodyThatHangsAndWhatItStarted) {
  laws_detail::shared<left_behind> l;
  const auto ran = laws_detail::in_child(
      [&] {
        start_sleeper(*l, 0);
        start_sleeper(*l, 1);
        ::Sleep(INFINITE);
      },
      std::chrono::seconds(2));
  EXPECT_FALSE(ran);
  EXPECT_THAT(std::string(ran.message()), HasSubstr("did not finish within 2 s"));
  ASSERT_EQ(l->started, 2);
  EXPECT_TRUE(has_ended(l->pid[0]) && has_ended(l->pid[1])) << l->pid[0] << ", " << l->pid[1];
}

}  // namespace
}  // namespace daemoniker::testing
