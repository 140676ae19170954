// Runs whole daemonizing programs side by side and times each run until EVERY process it
// started has exited.
//
//   peer_harness --runs=N --pidfile=P [--rlimits=1024,20000] [--warmup=W]
//       NAME PROGRAM ARGS... :: NAME PROGRAM ARGS... :: ...
//
// "{pidfile}" in ARGS stands for P. This process is a child subreaper (PR_SET_CHILD_SUBREAPER):
// a daemon whose parents exit is re-parented to it, not to init, so it can wait for the daemon
// too. A run starts with no pid file (removed outside the timed region) and a child that sets
// RLIMIT_NOFILE (soft and hard) and execs PROGRAM with stdin and stdout on /dev/null (stderr
// is kept, for diagnostics) and no other fd open; it ends when waitpid() reports that no child
// is left. Two times are taken from the fork: when PROGRAM (the invoking process) exited —
// what a shell waits for — and when the last process of the run exited, so that a tool that
// exits before its daemon confirmed gains nothing. The peers take turns within each round, so
// drift on the machine is spread over all of them. A run that has not ended after 10 s is
// killed and counted as failed, as is one whose PROGRAM exits non-zero.
//
// Output on stdout, one tab-separated line per peer and limit (microseconds):
//   name rlimit runs failures all_median all_min all_max invoker_median invoker_min invoker_max
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "benchmarks/whole_process.hpp"

namespace {

using daemoniker_bench::kill_children;
using daemoniker_bench::median;
using daemoniker_bench::monotonic_us;
using daemoniker_bench::named_command;

struct result {
  std::vector<long long> all, invoker;
  int failures = 0;
};

volatile sig_atomic_t g_alarm = 0;
void on_alarm(int) { g_alarm = 1; }

// One run: returns false on failure.
bool run_once(const named_command& p, long nofile, const std::string& pid_file, long long& all_us,
              long long& invoker_us) {
  const auto args = daemoniker_bench::substitute(p.argv, {{"pidfile", pid_file}});
  ::unlink(pid_file.c_str());
  const long long t0 = monotonic_us();
  const pid_t child = daemoniker_bench::spawn(args, nofile);
  if (child == -1) return false;
  bool ok = true, child_seen = false;
  g_alarm = 0;
  ::alarm(10);
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid == -1 && errno == ECHILD) break;
    if (pid == -1 && errno == EINTR) {
      if (g_alarm) {
        std::fprintf(stderr, "peer_harness: %s: a run took more than 10 s; killing it\n",
                     p.name.c_str());
        ok = false;
        kill_children();
        g_alarm = 0;
        ::alarm(1);
      }
      continue;
    }
    if (pid == child) {
      invoker_us = monotonic_us() - t0;
      child_seen = true;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = false;
    }
  }
  all_us = monotonic_us() - t0;
  ::alarm(0);
  return ok && child_seen;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "peer_harness: %s\nusage: peer_harness --runs=N --pidfile=P [--rlimits=L,...] "
               "[--warmup=W] NAME PROGRAM ARGS... [:: NAME PROGRAM ARGS...]...\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 200, warmup = 5;
  std::string pid_file;
  std::vector<long> rlimits;
  int i = 1;
  for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--runs=", 0) == 0) {
      runs = std::strtol(a.c_str() + 7, nullptr, 10);
    } else if (a.rfind("--warmup=", 0) == 0) {
      warmup = std::strtol(a.c_str() + 9, nullptr, 10);
    } else if (a.rfind("--pidfile=", 0) == 0) {
      pid_file = a.substr(10);
    } else if (a.rfind("--rlimits=", 0) == 0) {
      for (const char* s = a.c_str() + 10; *s != '\0';) {
        char* end = nullptr;
        rlimits.push_back(std::strtol(s, &end, 10));
        s = *end == ',' ? end + 1 : end;
        if (end == s && *s != '\0') usage("bad --rlimits");
      }
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (pid_file.empty()) usage("--pidfile is required");
  if (runs <= 0) usage("--runs must be positive");
  if (rlimits.empty()) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    rlimits.push_back(static_cast<long>(lim.rlim_cur));
  }
  const std::vector<named_command> peers = daemoniker_bench::named_commands(i, argc, argv);
  for (const auto& p : peers) {
    if (p.argv.empty()) usage(("peer " + p.name + " has no program").c_str());
  }
  if (peers.empty()) usage("no peers");

  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    std::perror("peer_harness: prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_alarm;  // no SA_RESTART: waitpid() returns EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, nullptr);

  std::vector<result> results(peers.size() * rlimits.size());
  for (long round = -warmup; round < runs; ++round) {
    for (std::size_t l = 0; l < rlimits.size(); ++l) {
      for (std::size_t k = 0; k < peers.size(); ++k) {
        long long all = 0, inv = 0;
        const bool ok = run_once(peers[k], rlimits[l], pid_file, all, inv);
        if (round < 0) continue;  // warm-up: caches, page cache, Python's .pyc files
        result& r = results[l * peers.size() + k];
        if (!ok) {
          ++r.failures;
          continue;
        }
        r.all.push_back(all);
        r.invoker.push_back(inv);
      }
    }
  }
  ::unlink(pid_file.c_str());
  for (std::size_t l = 0; l < rlimits.size(); ++l) {
    for (std::size_t k = 0; k < peers.size(); ++k) {
      const result& r = results[l * peers.size() + k];
      if (r.all.empty()) {
        std::printf("%s\t%ld\t0\t%d\t-\t-\t-\t-\t-\t-\n", peers[k].name.c_str(), rlimits[l],
                    r.failures);
        continue;
      }
      const auto [amin, amax] = std::minmax_element(r.all.begin(), r.all.end());
      const auto [imin, imax] = std::minmax_element(r.invoker.begin(), r.invoker.end());
      std::printf("%s\t%ld\t%zu\t%d\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\n", peers[k].name.c_str(),
                  rlimits[l], r.all.size(), r.failures, median(r.all), *amin, *amax,
                  median(r.invoker), *imin, *imax);
    }
  }
  return 0;
}
