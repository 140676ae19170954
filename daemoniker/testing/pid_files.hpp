// daemoniker/testing/pid_files.hpp — observing a pid file from outside, for the PidPolicy laws:
// who holds its lock, what it says, and whether it still had a name when its lock was released.
// The locks are flock(2)'s: on Windows only what a file says and a directory holds.
#pragma once

#if !defined(_WIN32)
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemoniker/testing/harness.hpp"

namespace daemoniker::testing::laws_detail {

/// The whole file; empty when it cannot be read.
inline std::string contents(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The first line of the file, without its newline.
inline std::string first_line(const std::filesystem::path& p) {
  const std::string all = contents(p);
  return all.substr(0, all.find('\n'));
}

/// The names in `dir`, sorted, comma-separated.
inline std::string listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

#if !defined(_WIN32)

/// True when some process holds an exclusive flock on `p`: not even a shared one can be had.
inline bool locked_exclusively(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd == -1) return false;
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

/// True when one of this process's own descriptors for `p` carries an exclusive flock
/// (/proc/self/fdinfo lists the locks taken through each descriptor).
inline bool holds_exclusive_flock(const std::filesystem::path& p) {
  const file_id target = id_of(p);
  if (target == file_id{}) return false;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const int fd = std::atoi(e.path().filename().c_str());
    if (id_of(fd) != target) continue;
    std::istringstream info(contents("/proc/self/fdinfo/" + std::to_string(fd)));
    for (std::string line; std::getline(info, line);) {
      if (line.rfind("lock:", 0) == 0 && line.find("FLOCK") != std::string::npos &&
          line.find("WRITE") != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

/// True when `pid` waits for a flock (/proc/locks shows it as "->").
inline bool waits_for_lock(pid_t pid) {
  std::istringstream locks(contents("/proc/locks"));
  const std::string who = " " + std::to_string(pid) + " ";
  for (std::string line; std::getline(locks, line);) {
    if (line.find("->") != std::string::npos && line.find(who) != std::string::npos) return true;
  }
  return false;
}

/// Waits until `fd` (the read end of a pipe) gives a byte; false at EOF.
inline bool await_byte(int fd) noexcept {
  char c = 0;
  ssize_t n;
  do {
    n = ::read(fd, &c, 1);
  } while (n == -1 && errno == EINTR);
  return n == 1;
}

/// Pins this process to `cpu`: the lock waiter and the process that releases the lock share
/// one CPU, so that the waiter, woken by the release, runs before the releasing process goes
/// on (see yield_priority) — an unlink that comes after the unlock is then seen.
inline void pin_to(int cpu) noexcept {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);
}

/// In a forked helper process: closes every inherited fd but 0, 1, 2 and `keep`, which becomes
/// fd 3 — a helper must hold no copy of the policy's lock, nor of the harness's pipes.
inline int close_all_but(int keep) noexcept {
  if (keep != 3 && ::dup2(keep, 3) == -1) ::_exit(1);
  ::close_range(4, ~0U, 0);
  return 3;
}

/// What a lock waiter saw: whether it got the lock, and how many names the file had then.
struct waiter_seen {
  std::atomic<int> got_lock;
  std::atomic<int> links_when_locked;
};

/// Starts a process that opens `p` and blocks in flock(LOCK_EX); returns once it waits (or
/// already got the lock).
inline pid_t start_lock_waiter(const std::filesystem::path& p, waiter_seen& seen, int cpu) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) == -1) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    pin_to(cpu);
    const int out = close_all_but(ready[1]);
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    (void)!::write(out, "w", 1);
    struct stat st {};
    if (fd != -1 && ::flock(fd, LOCK_EX) == 0 && ::fstat(fd, &st) == 0) {
      seen.links_when_locked = static_cast<int>(st.st_nlink);
      seen.got_lock = 1;
    }
    ::_exit(0);
  }
  ::close(ready[1]);
  await_byte(ready[0]);
  ::close(ready[0]);
  await([&] { return seen.got_lock != 0 || waits_for_lock(pid); }, std::chrono::seconds(2));
  return pid;
}

/// Starts a process that creates `p`, holds an exclusive flock on it and writes "<its pid>\n"
/// into it, until it is killed. Returns its pid once the file is locked and written.
inline pid_t start_lock_holder(const std::filesystem::path& p) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) == -1) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = close_all_but(ready[1]);
    const int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    const std::string line = std::to_string(::getpid()) + "\n";
    if (fd != -1 && ::flock(fd, LOCK_EX) == 0 &&
        ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      (void)!::write(out, "h", 1);
    }
    for (;;) ::pause();
  }
  ::close(ready[1]);
  const bool holding = await_byte(ready[0]);
  ::close(ready[0]);
  return holding ? pid : -1;
}

/// The CPU this process runs on, and pins it there.
inline int pin_here() noexcept {
  const int cpu = ::sched_getcpu();
  pin_to(cpu);
  return cpu;
}

/// Lowers this process's priority as far as it goes (see pin_to): SCHED_IDLE, which any
/// ordinary process that wakes up on its CPU preempts at once; else niceness 19.
inline void yield_priority() noexcept {
  const sched_param none{};
  if (::sched_setscheduler(0, SCHED_IDLE, &none) == -1) ::setpriority(PRIO_PROCESS, 0, 19);
}

#endif  // !defined(_WIN32)

}  // namespace daemoniker::testing::laws_detail
