// The Windows handoff, black-box, run under Wine: a test starts win_probe.exe as the invoking
// process and checks what a user relies on — exit status, the pid file's pid and lock, a refused
// second start, a reclaimed stale file, chdir, stdio redirected at the handle level (a child
// process's output lands in the log), arguments of every kind, argv kept or stripped, is_setup
// false in the daemon, the context's parent branch once, and failures reported and cleaned up.
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cwchar>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct invocation {
  DWORD exit_code = 0;
  std::string stderr_text;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// What a program wrote through the C runtime in text mode: "\r\n" becomes "\n".
std::string text(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}

void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  line += L'"';
  for (auto it = arg.begin();; ++it) {
    std::size_t slashes = 0;
    while (it != arg.end() && *it == L'\\') {
      ++it;
      ++slashes;
    }
    if (it == arg.end()) {
      line.append(slashes * 2, L'\\');
      break;
    }
    if (*it == L'"') {
      line.append(slashes * 2 + 1, L'\\');
      line += L'"';
    } else {
      line.append(slashes, L'\\');
      line += *it;
    }
  }
  line += L'"';
}

class Windows : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(tmp != nullptr ? tmp : ".") / (std::string("w_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    probe_ = fs::absolute(std::getenv("WIN_PROBE"));
  }

  // Every daemon the test started is stopped: asked first (the stop file), then terminated.
  void TearDown() override {
    std::ofstream(dir_ / "stop") << "stop\n";
    for (const DWORD pid : daemons_) {
      HANDLE h = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, pid);
      if (h == nullptr) continue;
      if (WaitForSingleObject(h, 5000) != WAIT_OBJECT_0) TerminateProcess(h, 9);
      WaitForSingleObject(h, 5000);
      CloseHandle(h);
    }
  }

  fs::path path(const std::string& name) const { return dir_ / name; }

  invocation run_probe(const std::vector<std::wstring>& args) {
    std::wstring line;
    append_quoted(line, probe_.wstring());
    append_quoted(line, dir_.wstring());
    for (const auto& a : args) append_quoted(line, a);
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    const fs::path out = path("invoker.out"), err = path("invoker.err");
    HANDLE o = CreateFileW(out.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           &inherit, CREATE_ALWAYS, 0, nullptr);
    HANDLE e = CreateFileW(err.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           &inherit, CREATE_ALWAYS, 0, nullptr);
    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdOutput = o;
    si.hStdError = e;
    PROCESS_INFORMATION pi{};
    invocation r;
    if (!CreateProcessW(probe_.c_str(), line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                        &si, &pi)) {
      ADD_FAILURE() << "CreateProcessW failed: " << GetLastError();
      return r;
    }
    CloseHandle(o);
    CloseHandle(e);
    if (WaitForSingleObject(pi.hProcess, 60000) != WAIT_OBJECT_0) {
      TerminateProcess(pi.hProcess, 9);
      ADD_FAILURE() << "the invoking process did not exit";
    }
    GetExitCodeProcess(pi.hProcess, &r.exit_code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    r.stderr_text = read_file(err);
    return r;
  }

  std::map<std::string, std::string> await_observation() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!fs::exists(path("observed"))) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no observation from the daemon";
        return {};
      }
      Sleep(10);
    }
    std::map<std::string, std::string> o;
    std::istringstream in(read_file(path("observed")));
    std::string l;
    while (std::getline(in, l)) {
      const auto eq = l.find('=');
      if (eq != std::string::npos) o[l.substr(0, eq)] = l.substr(eq + 1);
    }
    if (o.count("pid")) daemons_.push_back(static_cast<DWORD>(std::stoul(o["pid"])));
    return o;
  }

  bool process_alive(DWORD pid) {
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
    if (h == nullptr) return false;
    const bool alive = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return alive;
  }

  bool pid_file_locked() {
    HANDLE h = CreateFileW(path("app.pid").c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) return false;
    OVERLAPPED at{};
    at.OffsetHigh = 1;
    const bool free =
        LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at) != 0;
    if (free) UnlockFileEx(h, 0, 1, 0, &at);
    CloseHandle(h);
    return !free;
  }

  void stop_daemon(DWORD pid) {
    std::ofstream(path("stop")) << "stop\n";
    HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
    if (h != nullptr) {
      EXPECT_EQ(WaitForSingleObject(h, 10000), WAIT_OBJECT_0) << "the daemon did not stop";
      CloseHandle(h);
    }
    fs::remove(path("stop"));
  }

  fs::path dir_;
  fs::path probe_;
  std::vector<DWORD> daemons_;
};

const char* kSample = "8;300;a b/0.500000,/none,k=1 -2 ;C:\\srv\\x y;10";

TEST_F(Windows, InvokerExitsZeroOnceThePidFileHoldsTheDaemonsPidAndItsLock) {
  const auto r = run_probe({L"daemonize"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  const std::string content = read_file(path("app.pid"));
  const auto o = await_observation();
  EXPECT_EQ(content, o.at("pid") + "\n");
  EXPECT_TRUE(pid_file_locked());
  EXPECT_EQ(o.at("cwd"), (dir_ / "work").string());
  EXPECT_EQ(o.at("handoff_env"), "absent");
  EXPECT_EQ(o.at("settings"), kSample);
  // main ran twice: once set up, once as the daemon.
  const std::string runs = read_file(path("runs"));
  EXPECT_THAT(runs, HasSubstr("setup=1"));
  EXPECT_THAT(runs, HasSubstr("run " + o.at("pid") + " setup=0"));
  stop_daemon(static_cast<DWORD>(std::stoul(o.at("pid"))));
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "not deleted when the daemon exited";
}

TEST_F(Windows, StdioIsRedirectedAtTheHandleLevelAndAppended) {
  std::ofstream(path("out.log"), std::ios::binary) << "earlier line\n";
  const auto r = run_probe({L"daemonize"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  await_observation();
  const std::string log = text(read_file(path("out.log")));
  EXPECT_EQ(log.rfind("earlier line\n", 0), 0u) << log;
  EXPECT_THAT(log, HasSubstr("daemon printf\n"));
  EXPECT_THAT(log, HasSubstr("daemon stderr\n"));
  EXPECT_THAT(log, HasSubstr("child printf\n"));
  EXPECT_THAT(log, HasSubstr("child stderr\n"));
}

TEST_F(Windows, SecondStartIsRefusedWithTheRunningPid) {
  ASSERT_EQ(run_probe({L"daemonize"}).exit_code, 0u);
  const auto o = await_observation();
  const auto second = run_probe({L"daemonize"});
  EXPECT_EQ(second.exit_code, 1u);
  EXPECT_THAT(second.stderr_text, HasSubstr("already running (pid " + o.at("pid") + ")"));
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
}

TEST_F(Windows, StalePidFileIsReclaimed) {
  std::ofstream(path("app.pid"), std::ios::binary) << "999999\n";
  ASSERT_EQ(run_probe({L"daemonize"}).exit_code, 0u);
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
}

TEST_F(Windows, ArgvWithSpacesQuotesAndBackslashesIsPreserved) {
  const auto r = run_probe({L"daemonize", L"two words", L"quote\"d", L"back\\slash\\", L"",
                            L"tab\there"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  EXPECT_THAT(await_observation().at("argv"),
              HasSubstr("|daemonize|two words|quote\"d|back\\slash\\||tab\there"));
}

TEST_F(Windows, StripCmdArgsRelaunchesWithTheProgramOnly) {
  const auto r = run_probe({L"strip", L"extra"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(std::count(o.at("argv").begin(), o.at("argv").end(), '|'), 0) << o.at("argv");
  EXPECT_EQ(o.at("settings"), kSample);
}

TEST_F(Windows, ContextRunsTheParentBranchOnceWithValueInitializedArgs) {
  const auto r = run_probe({L"context"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(o.at("settings"), kSample);
  EXPECT_EQ(read_file(path("parent")), "parent workers=0\n");
}

TEST_F(Windows, AFailingStepIsReportedAndNothingIsLeft) {
  const auto r = run_probe({L"fail"});
  EXPECT_EQ(r.exit_code, 1u);
  EXPECT_THAT(r.stderr_text, HasSubstr("chdir"));
  EXPECT_THAT(r.stderr_text, HasSubstr("missing"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Windows, TryDaemonizeReturnsTheErrorAndTheCallerCarriesOn) {
  const auto r = run_probe({L"try-fail"});
  EXPECT_EQ(r.exit_code, 7u) << r.stderr_text;
  const std::string said = read_file(path("carried-on"));
  EXPECT_THAT(said, HasSubstr("step=chdir\n"));
  EXPECT_THAT(said, HasSubstr("exit=1\n"));
  EXPECT_THAT(said, HasSubstr("message=cannot daemonize: chdir: cannot change directory to"));
  EXPECT_EQ(r.stderr_text, "") << "try_daemonize printed something";
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Windows, TryDaemonizeGivesTheInvokerTheDaemonsPid) {
  const auto r = run_probe({L"try"});
  ASSERT_EQ(r.exit_code, 0u) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_EQ(read_file(path("carried-on")), "daemon_pid=" + o.at("pid") + "\n");
}

TEST_F(Windows, ADaemonExitingBeforeConfirmingIsReportedWithItsStatus) {
  // Exit status 2 is what the Python library mistook for success.
  const auto r = run_probe({L"exit2"});
  EXPECT_EQ(r.exit_code, 1u);
  EXPECT_THAT(r.stderr_text, HasSubstr("exited with status 2 before confirming startup"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Windows, ADaemonThatNeverConfirmsIsTerminatedAtTheTimeout) {
  const auto r = run_probe({L"hang"});
  EXPECT_EQ(r.exit_code, 1u);
  EXPECT_THAT(r.stderr_text, HasSubstr("did not confirm startup within 1.5 s"));
  EXPECT_THAT(r.stderr_text, HasSubstr("terminated"));
  const std::string runs = read_file(path("runs"));
  const auto at = runs.find("setup=0");
  ASSERT_NE(at, std::string::npos) << runs;
  const auto start = runs.rfind("run ", at) + 4;
  const DWORD pid = static_cast<DWORD>(std::stoul(runs.substr(start)));
  EXPECT_FALSE(process_alive(pid)) << "the half-started daemon still runs";
}

// A user's own FdPolicy is not silently dropped on Windows: it runs once, in the daemon.
TEST_F(Windows, AUsersOwnFdPolicyRunsInTheDaemon) {
  ASSERT_EQ(run_probe({L"own-sweep"}).exit_code, 0u);
  const auto o = await_observation();
  ASSERT_TRUE(o.count("pid"));
  EXPECT_EQ(read_file(path("swept")), o.at("pid"));
  stop_daemon(static_cast<DWORD>(std::stoul(o.at("pid"))));
}

TEST_F(Windows, APidFilePathNamingADirectoryIsRefusedAsInvalidOptions) {
  const auto r = run_probe({L"dir-pid"});
  EXPECT_EQ(r.exit_code, 2u);
  EXPECT_THAT(r.stderr_text, HasSubstr("names a directory: add a file name, such as myapp.pid"));
  EXPECT_EQ(read_file(path("runs")).find("setup=0"), std::string::npos) << "a daemon was started";
}

// Not open; garbage; not two numbers; the same handle twice: refused before anything is read
// from, or written to, what the variable names — the same text as on POSIX.
TEST_F(Windows, ABogusHandoffVariableIsRefusedWithAMessage) {
  for (const wchar_t* bogus : {L"97,98", L"garbage", L"5", L"1,2,3", L"-1,2", L"4,4"}) {
    SCOPED_TRACE(std::string(bogus, bogus + std::wcslen(bogus)));
    SetEnvironmentVariableW(L"DAEMONIKER_HANDOFF", bogus);
    const auto r = run_probe({L"daemonize"});
    SetEnvironmentVariableW(L"DAEMONIKER_HANDOFF", nullptr);
    EXPECT_EQ(r.exit_code, 2u);
    EXPECT_THAT(r.stderr_text,
                HasSubstr("DAEMONIKER_HANDOFF is set, but it does not name open channels"));
    EXPECT_FALSE(fs::exists(path("app.pid")));
  }
}

// The program's own stdin and stdout are pipes (as under a pipeline, or a CI runner): naming
// them in the variable is as bogus as naming 0 and 1 on POSIX, which is refused. Windows must
// not read its stdin as the handoff nor write a binary report onto its stdout.
TEST_F(Windows, AHandoffVariableNamingTheProgramsStdioPipesIsRefused) {
  SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
  HANDLE in_read = nullptr, in_write = nullptr, out_read = nullptr, out_write = nullptr;
  ASSERT_TRUE(CreatePipe(&in_read, &in_write, &inherit, 0));
  ASSERT_TRUE(CreatePipe(&out_read, &out_write, &inherit, 1 << 16));
  SetHandleInformation(in_write, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
  // Inherited handles keep their values in the child.
  const std::wstring bogus = std::to_wstring(reinterpret_cast<std::uintptr_t>(in_read)) + L"," +
                             std::to_wstring(reinterpret_cast<std::uintptr_t>(out_write));
  std::wstring line;
  append_quoted(line, probe_.wstring());
  append_quoted(line, dir_.wstring());
  append_quoted(line, L"daemonize");
  HANDLE e = CreateFileW(path("invoker.err").c_str(), GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit, CREATE_ALWAYS, 0, nullptr);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = in_read;
  si.hStdOutput = out_write;
  si.hStdError = e;
  PROCESS_INFORMATION pi{};
  SetEnvironmentVariableW(L"DAEMONIKER_HANDOFF", bogus.c_str());
  const BOOL started = CreateProcessW(probe_.c_str(), line.data(), nullptr, nullptr, TRUE, 0,
                                      nullptr, nullptr, &si, &pi);
  SetEnvironmentVariableW(L"DAEMONIKER_HANDOFF", nullptr);
  ASSERT_TRUE(started) << GetLastError();
  CloseHandle(in_read);
  CloseHandle(out_write);
  CloseHandle(e);
  CloseHandle(in_write);  // EOF on the program's stdin
  ASSERT_EQ(WaitForSingleObject(pi.hProcess, 60000), WAIT_OBJECT_0);
  DWORD code = 0;
  GetExitCodeProcess(pi.hProcess, &code);
  CloseHandle(pi.hProcess);
  CloseHandle(pi.hThread);
  DWORD available = 0;
  PeekNamedPipe(out_read, nullptr, 0, nullptr, &available, nullptr);
  CloseHandle(out_read);
  EXPECT_EQ(code, 2u) << "handles " << std::string(bogus.begin(), bogus.end());
  EXPECT_THAT(read_file(path("invoker.err")),
              HasSubstr("DAEMONIKER_HANDOFF is set, but it does not name open channels"));
  EXPECT_EQ(available, 0u) << "a report was written on the program's stdout";
}

TEST_F(Windows, SignalsReachTheDaemonsHandlerThroughSend) {
  ASSERT_EQ(run_probe({L"signals"}).exit_code, 0u);
  const auto o = await_observation();
  daemoniker::send(path("app.pid"), 1);  // SIGHUP: reload
  for (int i = 0; i < 500 && read_file(path("trace")).empty(); ++i) Sleep(10);
  EXPECT_EQ(read_file(path("trace")), "reloaded\n");
  const auto st = daemoniker::inspect_pid_file(path("app.pid"));
  EXPECT_EQ(st.state, daemoniker::pid_file_state::running);
  EXPECT_EQ(std::to_string(st.pid), o.at("pid"));
  // A pid file written before its process started names a reuse of the pid: never signalled.
  {
    HANDLE f = CreateFileW(path("app.pid").c_str(), FILE_WRITE_ATTRIBUTES,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    ASSERT_NE(f, INVALID_HANDLE_VALUE);
    FILETIME written{}, old{};
    GetFileTime(f, nullptr, nullptr, &written);
    SYSTEMTIME y2000{2000, 1, 6, 1, 0, 0, 0, 0};
    SystemTimeToFileTime(&y2000, &old);
    ASSERT_TRUE(SetFileTime(f, nullptr, nullptr, &old));
    EXPECT_FALSE(daemoniker::inspect_pid_file(path("app.pid")).verified);
    try {
      daemoniker::send(path("app.pid"), 1);
      ADD_FAILURE() << "send() signalled a process that started after its pid file was written";
    } catch (const std::system_error& e) {
      EXPECT_THAT(e.what(), HasSubstr("not signalled"));
    }
    EXPECT_EQ(read_file(path("trace")), "reloaded\n");
    ASSERT_TRUE(SetFileTime(f, nullptr, nullptr, &written));
    CloseHandle(f);
  }
  daemoniker::send(path("app.pid"), 15);  // SIGTERM: a clean stop, not TerminateProcess
  const DWORD pid = static_cast<DWORD>(std::stoul(o.at("pid")));
  HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (h != nullptr) {
    EXPECT_EQ(WaitForSingleObject(h, 10000), WAIT_OBJECT_0);
    CloseHandle(h);
  }
  EXPECT_EQ(read_file(path("trace")), "reloaded\nstopped by 15\n");
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "the pid file outlived a clean stop";
  EXPECT_THROW(daemoniker::send(path("app.pid"), 15), std::system_error);
}

}  // namespace
