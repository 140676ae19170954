// daemoniker/testing/harness.hpp — what the law suites share: how they get a policy object,
// a scratch directory, memory shared with child processes, and running a step in a child
// process that leaves no process behind.
//
// Every law runs the policy in a forked child (the *harness*): a policy's steps close fds,
// replace stdio, take locks and fork, none of which may happen to the test process itself.
// The harness is a child subreaper, so the processes a policy starts end up as its children;
// when the law's body returns (or its time is up) it kills and reaps every one of them.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

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

/// A fresh directory under $TEST_TMPDIR (or the system's), removed with its contents.
class scratch_dir {
 public:
  scratch_dir() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::filesystem::path base =
        tmp != nullptr && *tmp != '\0' ? std::filesystem::path(tmp)
                                       : std::filesystem::temp_directory_path();
    std::string name = (base / "daemoniker-laws.XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + name);
    }
    path_ = name;
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const char* name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// A `T` in memory shared with every child forked while it lives (MAP_SHARED): what the
/// harness and the processes a policy starts observe, for the test process to check.
template <class T>
class shared {
  static_assert(std::is_trivially_destructible_v<T>, "shared<T>: T lives in raw shared memory");

 public:
  shared() : p_(map()) {}
  ~shared() { ::munmap(p_, sizeof(T)); }
  shared(const shared&) = delete;
  shared& operator=(const shared&) = delete;

  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }

 private:
  static T* map() {
    void* m = ::mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
    return ::new (m) T{};
  }
  T* p_;
};

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

/// What the harness reports besides the body's own observations.
struct harness_report {
  char error[512];
};

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

/// Runs `body` in a forked harness process and waits for it. Successful when the harness
/// ended normally; every process it started is gone by then. `body` must not use GoogleTest
/// assertions (they would be lost in the child): it records what it saw in a `shared<T>`,
/// which the test checks afterwards.
inline ::testing::AssertionResult in_child(const std::function<void()>& body,
                                           std::chrono::seconds limit = std::chrono::seconds(30)) {
  shared<harness_report> report;
  std::fflush(nullptr);  // or buffered output would be written twice
  const pid_t pid = ::fork();
  if (pid == -1) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  if (pid == 0) run_harness(body, *report, limit);
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
  if (report->error[0] != '\0') return ::testing::AssertionFailure() << report->error;
  return ::testing::AssertionFailure() << "the harness process ended with wait status " << status;
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
