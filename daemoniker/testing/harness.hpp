// daemoniker/testing/harness.hpp — what the law suites share: how they get a policy object,
// a scratch directory, memory shared with other processes, and running a step in a process of
// its own that leaves no process behind.
//
// Every law runs the policy in another process (the *harness*): a policy's steps close fds,
// replace stdio, take locks and start processes, none of which may happen to the test process
// itself. On POSIX the harness is a forked child and a child subreaper, so the processes a
// policy starts end up as its children; when the law's body returns (or its time is up) it
// kills and reaps every one of them. On Windows, which has no fork(), the harness is the test
// program started again (a *re-run*, below) in a job object that is closed — killing everything
// in it — when the harness ends or its time is up.
//
// A re-run is this test program started again to carry on the law that is running: the
// harness on Windows, and on either system the daemon that a re-launching handoff
// (reexec_handoff) starts as a new run of the program. DAEMONIKER_LAWS_RERUN names the test
// process it carries on for, the law (a GoogleTest filter, which GTEST_FILTER holds too, so that
// only that law runs) and which harness of the law it is. The re-run runs the law's test body
// from the top: its scratch directories and shared memory are the test process's own, found
// again by name — the n-th of a law in the re-run is the n-th of the same law in the test
// process, so a law's body must create them in the same order each time it runs (the suites
// here do) — and the harness it carries on runs its body right there and then ends the process.
// A law that is not the one named (a --gtest_filter on the command line takes precedence over
// GTEST_FILTER) fails at once in a re-run, whose results nobody reads.
#pragma once

#if defined(_WIN32)
#if !defined(NOMINMAX)
#define NOMINMAX  // std::min and std::max, not <windows.h>'s macros
#endif
#include <windows.h>
#include <io.h>
#include <sys/stat.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "daemoniker/options.hpp"
#include "daemoniker/plan.hpp"

namespace daemoniker::testing {

/// How a law suite obtains the policy it checks: `P{}`. Specialize it for a policy that needs
/// arguments (or to check a particular configuration):
///
///     template <>
///     struct daemoniker::testing::policy_factory<my_sweep> {
///       static my_sweep make() { return my_sweep{.limit = 4096}; }
///     };
template <class P>
struct policy_factory {
  static P make() { return P{}; }
};

/// True for a null object that switches its step off (no_pid_file, no_sweep, keep_privileges).
/// Its laws are then that it changes nothing. Specialize it for a null object of your own.
template <class P>
inline constexpr bool switches_step_off = false;

namespace laws_detail {

/// This process's id.
inline long long current_pid() noexcept {
#if defined(_WIN32)
  return static_cast<long long>(::GetCurrentProcessId());
#else
  return static_cast<long long>(::getpid());
#endif
}

/// Ends this process at once, with no exit handlers. Async-signal-safe.
[[noreturn]] inline void end_process(int code) noexcept {
#if defined(_WIN32)
  std::_Exit(code);
#else
  ::_exit(code);
#endif
}

inline void set_variable(const char* name, const std::string& value) {
#if defined(_WIN32)
  ::_putenv_s(name, value.c_str());  // the C runtime's copy and Win32's
#else
  ::setenv(name, value.c_str(), 1);
#endif
}
inline void unset_variable(const char* name) {
#if defined(_WIN32)
  ::_putenv_s(name, "");  // "" removes it
#else
  ::unsetenv(name);
#endif
}

// ---- re-runs ---------------------------------------------------------------------------------

inline constexpr const char* kRerunVariable = "DAEMONIKER_LAWS_RERUN";

/// What DAEMONIKER_LAWS_RERUN says, read once: "<test process id>:<harness number>:<law>".
struct rerun_info {
  bool active = false;
  long long origin = 0;
  int harness = 0;
  std::string law;
};
inline const rerun_info& rerun() {
  static const rerun_info info = [] {
    rerun_info r;
    const char* v = std::getenv(kRerunVariable);
    if (v == nullptr || *v == '\0') return r;
    std::istringstream in(v);
    char colon1 = 0, colon2 = 0;
    in >> r.origin >> colon1 >> r.harness >> colon2;
    std::getline(in, r.law);
    r.active = colon1 == ':' && colon2 == ':' && r.origin > 0 && r.harness > 0 && !r.law.empty();
    if (!r.active) {
      std::fprintf(stderr, "daemoniker laws: %s=%s is not <pid>:<n>:<law>\n", kRerunVariable, v);
    }
    return r;
  }();
  return info;
}
// Read before main(): a re-launched daemon may change its environment before the law asks.
[[maybe_unused]] inline const bool rerun_read_early = rerun().active;

#if !defined(_WIN32)
// A re-run's standard output (GoogleTest's report of the one law) is noise in the test's log:
// it goes to /dev/null. Its standard error stays.
[[maybe_unused]] inline const bool rerun_is_quiet = [] {
  if (!rerun().active) return false;
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null != -1 && null != 1) {
    ::dup2(null, 1);
    ::close(null);
  }
  return true;
}();
#endif

/// The test process the law runs for: this one, or the one a re-run carries on for. (Read in
/// the test process before it starts a harness, so a forked harness has it too.)
inline long long origin_pid() {
  static const long long origin = rerun().active ? rerun().origin : current_pid();
  return origin;
}

/// "Suite.Law" of the running test; "" outside a test.
inline std::string current_law() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info == nullptr ? "" : std::string(info->test_suite_name()) + "." + info->name();
}

/// How many scratch directories, shared objects and harnesses the running law has created so
/// far: the n-th of each is named the same in the test process and in its re-runs.
struct law_counts {
  std::string law;
  int dirs = 0, shared = 0, harnesses = 0;
};
inline law_counts& counts() {
  static law_counts c;
  std::string law = current_law();
  if (rerun().active && law != rerun().law) {
    throw std::runtime_error("this is a re-run for " + rerun().law + " only");
  }
  if (law != c.law) c = law_counts{std::move(law)};
  return c;
}

/// Where the test process keeps the n-th object of a kind for the running law:
/// $TEST_TMPDIR (or the system's temporary directory)/daemoniker-laws.<pid>.<law>.<kind><n>.
inline std::filesystem::path law_path(const char* kind, int n) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::filesystem::path base = tmp != nullptr && *tmp != '\0'
                                         ? std::filesystem::path(tmp)
                                         : std::filesystem::temp_directory_path();
  char law[32];
  std::snprintf(law, sizeof law, "%zx", std::hash<std::string>{}(counts().law));
  return base / ("daemoniker-laws." + std::to_string(origin_pid()) + "." + law + "." + kind +
                 std::to_string(n));
}

/// Sets up the environment of this harness so that a re-launched daemon it starts (a handoff
/// with `relaunches`) carries on this law as a re-run. On Windows the harness is a re-run
/// already, and the daemon inherits what it has.
inline void let_a_relaunched_daemon_carry_on();

/// A fresh directory (see law_path), removed with its contents; in a re-run, the test
/// process's, left to it. (A re-run that passes by one the test process has removed already —
/// an earlier law in the same test — makes its own.)
class scratch_dir {
 public:
  scratch_dir()
      : path_(law_path("dir", ++counts().dirs)),
        owner_(!rerun().active || !std::filesystem::is_directory(path_)) {
    if (owner_) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
      std::filesystem::create_directories(path_);
    }
  }
  ~scratch_dir() {
    std::error_code ignored;
    if (owner_) std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const char* name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
  bool owner_;
};

/// A `T` in memory shared with every process of the law — forked harnesses, the processes a
/// policy starts, re-runs: a file (see law_path) mapped shared, for the test process to check.
/// (A re-run that passes by one the test process has removed already makes its own.)
template <class T>
class shared {
  static_assert(std::is_trivially_destructible_v<T>, "shared<T>: T lives in raw shared memory");

 public:
  shared()
      : path_(law_path("shared", ++counts().shared)),
        owner_(!rerun().active || !std::filesystem::exists(path_)),
        p_(map()) {}
  ~shared() {
#if defined(_WIN32)
    ::UnmapViewOfFile(p_);
    if (owner_) ::DeleteFileW(path_.c_str());
#else
    ::munmap(p_, sizeof(T));
    if (owner_) ::unlink(path_.c_str());
#endif
  }
  shared(const shared&) = delete;
  shared& operator=(const shared&) = delete;

  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }

 private:
  T* map() {
#if defined(_WIN32)
    HANDLE file = ::CreateFileW(path_.c_str(), GENERIC_READ | GENERIC_WRITE,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                                owner_ ? CREATE_ALWAYS : OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE) fail("CreateFileW", ::GetLastError());
    HANDLE mapping = ::CreateFileMappingW(file, nullptr, PAGE_READWRITE, 0, sizeof(T), nullptr);
    const DWORD error = ::GetLastError();
    ::CloseHandle(file);
    if (mapping == nullptr) fail("CreateFileMappingW", error);
    void* m = ::MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, sizeof(T));
    const DWORD view_error = ::GetLastError();
    ::CloseHandle(mapping);  // the view keeps it
    if (m == nullptr) fail("MapViewOfFile", view_error);
#else
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC | (owner_ ? O_CREAT | O_TRUNC : 0), 0600);
    if (fd == -1) fail("open", errno);
    if (owner_ && ::ftruncate(fd, sizeof(T)) == -1) fail("ftruncate", errno);
    void* m = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const int error = errno;
    ::close(fd);
    if (m == MAP_FAILED) fail("mmap", error);
#endif
    // The test process creates the T; a re-run finds it as the test process left it.
    return owner_ ? ::new (m) T{} : static_cast<T*>(m);
  }
  [[noreturn]] void fail(const char* what, unsigned long error) const {
    throw std::runtime_error(std::string("shared<T>: ") + what + " " + path_.string() +
                             " failed (error " + std::to_string(error) + ")");
  }

  std::filesystem::path path_;
  bool owner_;
  T* p_;
};

/// What the harness reports besides the body's own observations.
struct harness_report {
  char error[512];
};

/// Runs `body` and ends the process: 0 when it returned, 3 (with report.error) when it threw.
[[noreturn]] inline void run_body_and_end(const std::function<void()>& body, harness_report& report) {
  int code = 0;
  try {
    body();
  } catch (const std::exception& e) {
    std::snprintf(report.error, sizeof report.error, "the law's body threw: %s", e.what());
    code = 3;
  } catch (...) {
    std::snprintf(report.error, sizeof report.error, "the law's body threw");
    code = 3;
  }
  std::fflush(nullptr);
  end_process(code);
}

#if !defined(_WIN32)
/// Reads this process's children from /proc/self/task/<pid>/children into `out`.
/// Async-signal-safe (open, read, close; no allocation).
inline int list_children(pid_t* out, int max) noexcept {
  char path[64] = "/proc/self/task/";
  char digits[16];
  int n = 0;
  for (long v = ::getpid(); v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  std::size_t at = std::strlen(path);
  while (n > 0) path[at++] = digits[--n];
  std::memcpy(path + at, "/children", 10);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) return 0;
  char buf[4096];
  const ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  int count = 0;
  long pid = 0;
  for (ssize_t i = 0; i < got && count < max; ++i) {
    if (buf[i] >= '0' && buf[i] <= '9') {
      pid = pid * 10 + (buf[i] - '0');
    } else if (pid > 0) {
      out[count++] = static_cast<pid_t>(pid);
      pid = 0;
    }
  }
  return count;
}

/// Kills and reaps every child, and the orphans that become children meanwhile (this process
/// is a subreaper). Async-signal-safe.
inline void kill_and_reap_children() noexcept {
  for (;;) {
    pid_t kids[512];
    const int n = list_children(kids, 512);
    for (int i = 0; i < n; ++i) ::kill(kids[i], SIGKILL);
    if (::waitpid(-1, nullptr, 0) == -1 && errno == ECHILD) return;
  }
}

/// The number of the harness this process is (0 in the test process itself).
inline int& harness_number() noexcept {
  static int n = 0;
  return n;
}

/// The harness: a subreaper that runs `body`, then kills and reaps what it started. An alarm
/// ends it the same way when `body` hangs.
[[noreturn]] inline void run_harness(const std::function<void()>& body, harness_report& report,
                                     std::chrono::seconds limit) {
  const pid_t harness = ::getpid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  struct sigaction on_alarm {};
  on_alarm.sa_handler = [](int) {
    kill_and_reap_children();
    ::_exit(124);
  };
  ::sigaction(SIGALRM, &on_alarm, nullptr);
  ::alarm(static_cast<unsigned>(limit.count()));
  int code = 0;
  try {
    body();
  } catch (const std::exception& e) {
    std::snprintf(report.error, sizeof report.error, "the law's body threw: %s", e.what());
    code = 3;
  } catch (...) {
    std::snprintf(report.error, sizeof report.error, "the law's body threw");
    code = 3;
  }
  if (::getpid() != harness) ::_exit(0);  // a process the policy forked left the body
  ::alarm(0);
  kill_and_reap_children();
  ::_exit(code);
}


/// Starts the harness: a forked child. Returns how it ended.
inline ::testing::AssertionResult run_in_harness(const std::function<void()>& body,
                                                 harness_report& report, int number,
                                                 std::chrono::seconds limit) {
  std::fflush(nullptr);  // or buffered output would be written twice
  const pid_t pid = ::fork();
  if (pid == -1) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  if (pid == 0) {
    harness_number() = number;
    run_harness(body, report, limit);
  }
  const auto deadline = std::chrono::steady_clock::now() + limit + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return ::testing::AssertionFailure() << "the harness process did not end in time";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ::testing::AssertionSuccess();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 124) {
    return ::testing::AssertionFailure() << "the law did not finish within " << limit.count() << " s";
  }
  if (report.error[0] != '\0') return ::testing::AssertionFailure() << report.error;
  return ::testing::AssertionFailure() << "the harness process ended with wait status " << status;
}

/// What a re-run must not inherit from the test process: GoogleTest's reports, sharding and
/// filters (the re-run runs the one law, and writes no report).
inline constexpr const char* kNotForReruns[] = {
    "GTEST_FILTER",      "TESTBRIDGE_TEST_ONLY",   "GTEST_OUTPUT",       "XML_OUTPUT_FILE",
    "GTEST_TOTAL_SHARDS", "GTEST_SHARD_INDEX",     "GTEST_SHARD_STATUS_FILE",
    "TEST_SHARD_STATUS_FILE", "TEST_PREMATURE_EXIT_FILE", "GTEST_REPEAT"};

inline void let_a_relaunched_daemon_carry_on() {
  if (rerun().active) return;  // a re-run already: the daemon inherits what it has
  for (const char* v : kNotForReruns) unset_variable(v);
  const std::string law = counts().law;
  set_variable(kRerunVariable,
               std::to_string(origin_pid()) + ":" + std::to_string(harness_number()) + ":" + law);
  set_variable("GTEST_FILTER", law);
}

#else  // Windows

/// What a re-run must not inherit from the test process: GoogleTest's reports, sharding and
/// filters (the re-run runs the one law, and writes no report); a handoff's variable.
inline constexpr const wchar_t* kNotForReruns[] = {
    L"GTEST_FILTER",      L"TESTBRIDGE_TEST_ONLY",   L"GTEST_OUTPUT",       L"XML_OUTPUT_FILE",
    L"GTEST_TOTAL_SHARDS", L"GTEST_SHARD_INDEX",     L"GTEST_SHARD_STATUS_FILE",
    L"TEST_SHARD_STATUS_FILE", L"TEST_PREMATURE_EXIT_FILE", L"GTEST_REPEAT",
    L"DAEMONIKER_HANDOFF", L"DAEMONIKER_LAWS_RERUN"};

inline std::wstring widen(const std::string& s) { return std::filesystem::path(s).wstring(); }

/// The environment block of a re-run: this process's, less kNotForReruns, plus `added`.
inline std::vector<wchar_t> rerun_environment(const std::vector<std::wstring>& added) {
  std::vector<wchar_t> block;
  wchar_t* env = ::GetEnvironmentStringsW();
  for (const wchar_t* e = env; *e != L'\0'; e += std::wcslen(e) + 1) {
    bool dropped = false;
    for (const wchar_t* v : kNotForReruns) {
      const std::size_t n = std::wcslen(v);
      dropped = dropped || (::_wcsnicmp(e, v, n) == 0 && e[n] == L'=');
    }
    if (!dropped) block.insert(block.end(), e, e + std::wcslen(e) + 1);
  }
  ::FreeEnvironmentStringsW(env);
  for (const std::wstring& a : added) block.insert(block.end(), a.c_str(), a.c_str() + a.size() + 1);
  block.push_back(L'\0');
  return block;
}

inline void let_a_relaunched_daemon_carry_on() {}  // the harness is a re-run already

/// Starts the harness: this program again, as a re-run that runs only this law and, in it,
/// harness `number`; in a job object that is closed (killing what is left in it) when it has
/// ended or its time is up. Its standard output goes to NUL, its standard error to a file
/// that a failure quotes.
inline ::testing::AssertionResult run_in_harness(const std::function<void()>&,
                                                 harness_report& report, int number,
                                                 std::chrono::seconds limit) {
  const std::string law = counts().law;
  const std::filesystem::path errors = law_path("stderr", number);
  wchar_t module[32768] = {};
  ::GetModuleFileNameW(nullptr, module, 32768);
  std::wstring line = L"\"" + std::wstring(module) + L"\" --gtest_filter=" + widen(law);
  std::vector<wchar_t> env = rerun_environment(
      {widen(std::string(kRerunVariable) + "=" + std::to_string(origin_pid()) + ":" +
             std::to_string(number) + ":" + law),
       widen("GTEST_FILTER=" + law)});

  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE null = ::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                              &inheritable, OPEN_EXISTING, 0, nullptr);
  HANDLE err = ::CreateFileW(errors.c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             &inheritable, CREATE_ALWAYS, 0, nullptr);
  HANDLE job = ::CreateJobObjectW(nullptr, nullptr);
  if (job != nullptr) {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION kill_on_close{};
    kill_on_close.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ::SetInformationJobObject(job, JobObjectExtendedLimitInformation, &kill_on_close, sizeof kill_on_close);
  }
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = null;
  si.hStdOutput = null;
  si.hStdError = err != INVALID_HANDLE_VALUE ? err : null;
  PROCESS_INFORMATION pi{};
  const BOOL created = ::CreateProcessW(module, line.data(), nullptr, nullptr, TRUE,
                                        CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT, env.data(),
                                        nullptr, &si, &pi);
  const DWORD create_error = ::GetLastError();
  for (HANDLE h : {null, err}) {
    if (h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  }
  if (!created) {
    if (job != nullptr) ::CloseHandle(job);
    return ::testing::AssertionFailure() << "CreateProcessW (the harness) failed: error " << create_error;
  }
  if (job != nullptr) ::AssignProcessToJobObject(job, pi.hProcess);
  ::ResumeThread(pi.hThread);
  ::CloseHandle(pi.hThread);
  const DWORD waited = ::WaitForSingleObject(pi.hProcess, static_cast<DWORD>(limit.count() * 1000));
  DWORD code = 0;
  if (waited != WAIT_OBJECT_0) {
    ::TerminateProcess(pi.hProcess, 124);
    ::WaitForSingleObject(pi.hProcess, 10000);
    code = 124;
  } else {
    ::GetExitCodeProcess(pi.hProcess, &code);
  }
  ::CloseHandle(pi.hProcess);
  if (job != nullptr) {
    ::TerminateJobObject(job, 1);  // what the policy started and left
    ::CloseHandle(job);
  }
  std::ifstream in(errors, std::ios::binary);
  std::ostringstream said;
  said << in.rdbuf();
  in.close();
  std::error_code ignored;
  std::filesystem::remove(errors, ignored);
  if (code == 0) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  if (code == 124) {
    failure << "the law did not finish within " << limit.count() << " s";
  } else if (report.error[0] != '\0') {
    failure << report.error;
  } else {
    failure << "the harness process ended with exit code " << code;
  }
  if (!said.str().empty()) failure << "; its standard error:\n" << said.str();
  return failure;
}

#endif  // Windows

/// Runs `body` in a harness process and waits for it. Successful when the harness ended
/// normally; every process it started is gone by then. `body` must not use GoogleTest
/// assertions (they would be lost in the harness): it records what it saw in a `shared<T>`,
/// which the test checks afterwards. In a re-run, the harness it carries on runs `body` here
/// and ends the process; the harnesses before it ran in the test process's time.
inline ::testing::AssertionResult in_child(const std::function<void()>& body,
                                           std::chrono::seconds limit = std::chrono::seconds(30)) {
  shared<harness_report> report;
  const int number = ++counts().harnesses;
  if (rerun().active) {
    if (number < rerun().harness) return ::testing::AssertionSuccess();
    run_body_and_end(body, *report);
  }
  return run_in_harness(body, *report, number, limit);
}

/// Polls `done` until it is true or `limit` passed; returns its last value.
template <class Done>
bool await(Done done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// The plan basic_daemonizer would give the policies for `pid_file` and `opts`.
inline plan plan_for(const std::filesystem::path& pid_file, const options& opts = {}) {
  plan p;
  const step_status s = daemoniker::make_plan(pid_file, opts, p);
  if (!s.ok()) throw std::runtime_error(std::string("make_plan: ") + s.subject);
  return p;
}

/// A step_status, for failure messages.
inline std::string text(const step_status& s) {
  if (s.ok()) return "success";
  return "step " + std::to_string(static_cast<int>(s.failed)) + " (errno " +
         std::to_string(s.error) + ", detail " + std::to_string(s.detail) + "): " + s.subject;
}

/// Which file an fd or a path is: device and inode; {0, 0} when closed or missing.
struct file_id {
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  friend bool operator==(const file_id&, const file_id&) = default;
};
#if defined(_WIN32)
// Windows: the volume's serial number and the file index (of the link itself, not its target).
inline file_id id_of_handle(HANDLE h) noexcept {
  BY_HANDLE_FILE_INFORMATION info{};
  if (h == INVALID_HANDLE_VALUE || !::GetFileInformationByHandle(h, &info)) return {};
  return {info.dwVolumeSerialNumber,
          (static_cast<unsigned long long>(info.nFileIndexHigh) << 32) | info.nFileIndexLow};
}
inline file_id id_of(int fd) noexcept {
  return id_of_handle(reinterpret_cast<HANDLE>(::_get_osfhandle(fd)));
}
inline file_id id_of(const std::filesystem::path& p) noexcept {
  HANDLE h = ::CreateFileW(p.c_str(), 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           nullptr, OPEN_EXISTING,
                           FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  const file_id id = id_of_handle(h);
  if (h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  return id;
}
#else
inline file_id id_of(int fd) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) == -1) return {};
  return {st.st_dev, st.st_ino};
}
inline file_id id_of(const std::filesystem::path& p) noexcept {
  struct stat st {};
  if (::lstat(p.c_str(), &st) == -1) return {};
  return {st.st_dev, st.st_ino};
}
#endif
inline std::ostream& operator<<(std::ostream& out, const file_id& id) {
  return out << (id == file_id{} ? std::string("closed/missing")
                                 : std::to_string(id.dev) + ":" + std::to_string(id.ino));
}

/// Copies `s` into a fixed buffer (for shared records).
template <std::size_t N>
void copy_to(char (&out)[N], const std::string& s) noexcept {
  std::snprintf(out, N, "%s", s.c_str());
}

}  // namespace laws_detail
}  // namespace daemoniker::testing
