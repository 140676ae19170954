// benchmarks/whole_process.hpp — what the whole-process harnesses (peer_harness.cc,
// stop_latency.cc) share: the clock, the median, how a measured program is started, and how a
// run's leftovers are killed. Linux only; the harness is a child subreaper
// (PR_SET_CHILD_SUBREAPER), so every process a run starts ends up as its child.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace daemoniker_bench {

inline long long monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

inline long long monotonic_us() { return monotonic_ns() / 1000; }

inline long long median(std::vector<long long> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// argv with every "{key}" replaced by its value.
inline std::vector<std::string> substitute(
    std::vector<std::string> args, const std::vector<std::pair<std::string, std::string>>& vars) {
  for (auto& a : args) {
    for (const auto& [key, value] : vars) {
      const std::string k = "{" + key + "}";
      for (std::size_t at = 0; (at = a.find(k, at)) != std::string::npos; at += value.size()) {
        a.replace(at, k.size(), value);
      }
    }
  }
  return args;
}

// Forks a child that sets RLIMIT_NOFILE (soft and hard; 0: left as it is) and execs `args`
// with stdin and stdout on /dev/null (stderr kept, for diagnostics), no other fd open and no
// signal blocked. The child's pid, or -1.
inline pid_t spawn(const std::vector<std::string>& args, long nofile) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child != 0) return child;
  if (nofile > 0) {
    const rlimit lim{static_cast<rlim_t>(nofile), static_cast<rlim_t>(nofile)};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(126);
  }
  const int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);
  ::close_range(3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execvp(argv[0], argv.data());
  std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

// Kills every process whose parent is this one (the re-parented leftovers of a run).
inline void kill_children() {
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  while (const dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    int ppid = 0;
    // pid (comm) state ppid: comm may hold spaces; skip to the last ')'.
    char buf[512];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* close_paren = std::strrchr(buf, ')');
    if (close_paren != nullptr && std::sscanf(close_paren + 1, " %*c %d", &ppid) == 1 &&
        ppid == self) {
      ::kill(pid, SIGKILL);
    }
  }
  ::closedir(proc);
}

// "NAME PROGRAM ARGS... :: NAME PROGRAM ARGS... :: ..." from argv[i] on.
struct named_command {
  std::string name;
  std::vector<std::string> argv;
};

inline std::vector<named_command> named_commands(int i, int argc, char** argv) {
  std::vector<named_command> out;
  while (i < argc) {
    named_command c;
    c.name = argv[i++];
    for (; i < argc && std::strcmp(argv[i], "::") != 0; ++i) c.argv.emplace_back(argv[i]);
    if (i < argc) ++i;  // "::"
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace daemoniker_bench
