// How long a stop command takes to return once the daemon it stops has exited.
//
//   stop_latency --runs=N --pidfile=P --stamp=S [--warmup=W]
//       START ARGS... :: NAME STOPPER ARGS... [:: NAME STOPPER ARGS...]...
//
// "{pidfile}" and "{stamp}" in ARGS stand for P and S. Per run, for each stopper in turn (the
// stoppers take turns within each round, so drift on the machine is spread over all of them):
//   1. START runs with no pid file and no stamp (e.g. `daemoniker start --pidfile {pidfile} --
//      exit_stamp {stamp}`) and must exit 0, leaving its daemon running;
//   2. once S exists (benchmarks/peers/exit_stamp.c creates it after installing its SIGTERM
//      handler), STOPPER is started (e.g. `daemoniker stop --pidfile {pidfile}`);
//   3. the daemon, on SIGTERM, stores its CLOCK_MONOTONIC time in S and calls _exit;
//   4. this process (a child subreaper: the daemon is re-parented to it, and reaped as soon as
//      it exits, as init would) reads the clock right after waitpid() returned STOPPER.
// latency = (4) − (3): from the daemon's exit to the stopper's, as the stopper's parent sees it.
// total = (4) − the fork of STOPPER: the whole stop command. None of 1–2 is timed. A run fails
// when START or STOPPER exits non-zero, the daemon never stamps, or anything takes over 10 s
// (then every process of the run is killed).
//
// Output on stdout, one tab-separated line per stopper (microseconds):
//   name runs failures latency_median latency_min latency_max latency_p90 latency_p99
//   total_median total_min total_max
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "benchmarks/whole_process.hpp"

namespace {

using daemoniker_bench::kill_children;
using daemoniker_bench::median;
using daemoniker_bench::monotonic_ns;
using daemoniker_bench::named_command;

struct result {
  std::vector<long long> latency, total;  // ns
  int failures = 0;
};

volatile sig_atomic_t g_alarm = 0;
void on_alarm(int) { g_alarm = 1; }

// Reaps until `pid` has exited (its status in `status`, the time right after in `at`), at most
// `seconds`; every other child is reaped on the way. False on timeout.
bool reap_until(pid_t pid, unsigned seconds, int& status, long long& at) {
  g_alarm = 0;
  ::alarm(seconds);
  for (;;) {
    int st = 0;
    const pid_t got = ::waitpid(-1, &st, 0);
    if (got == pid) {
      at = monotonic_ns();
      ::alarm(0);
      status = st;
      return true;
    }
    if (got == -1 && (errno != EINTR || g_alarm)) {
      ::alarm(0);
      return false;
    }
  }
}

// Everything of the run gone: reaps every child, killing what is left after 10 s.
void finish_run() {
  const long long deadline = monotonic_ns() + 10'000'000'000LL;
  for (;;) {
    const pid_t got = ::waitpid(-1, nullptr, WNOHANG);
    if (got > 0) continue;
    if (got == -1) return;  // ECHILD: nothing left
    if (monotonic_ns() > deadline) {
      kill_children();
      while (::waitpid(-1, nullptr, 0) > 0) {
      }
      return;
    }
    const timespec tick{0, 200'000};
    ::nanosleep(&tick, nullptr);
  }
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// The daemon's exit time from the stamp file (0: never stamped).
long long read_stamp(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return 0;
  std::int64_t v[2] = {0, 0};
  const ssize_t n = ::read(fd, v, sizeof v);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof v)) return 0;
  return v[0] * 1'000'000'000LL + v[1];
}

bool run_once(const named_command& start, const named_command& stopper, const std::string& pid_file,
              const std::string& stamp, long long& latency_ns, long long& total_ns) {
  const std::vector<std::pair<std::string, std::string>> vars = {{"pidfile", pid_file},
                                                                 {"stamp", stamp}};
  ::unlink(pid_file.c_str());
  ::unlink(stamp.c_str());
  const auto fail = [&](const char* why) {
    std::fprintf(stderr, "stop_latency: %s: %s\n", stopper.name.c_str(), why);
    kill_children();
    finish_run();
    return false;
  };
  // 1. the daemon
  const pid_t starter = daemoniker_bench::spawn(daemoniker_bench::substitute(start.argv, vars), 0);
  if (starter == -1) return fail("cannot fork");
  int status = 0;
  long long at = 0;
  if (!reap_until(starter, 10, status, at) ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail("the start command failed");
  }
  // 2. ready for SIGTERM
  for (const long long deadline = monotonic_ns() + 10'000'000'000LL; !exists(stamp);) {
    if (monotonic_ns() > deadline) return fail("the daemon never made its stamp file");
    const timespec tick{0, 100'000};
    ::nanosleep(&tick, nullptr);
  }
  // 3–4. the stop
  const long long t0 = monotonic_ns();
  const pid_t stop = daemoniker_bench::spawn(daemoniker_bench::substitute(stopper.argv, vars), 0);
  if (stop == -1) return fail("cannot fork");
  if (!reap_until(stop, 10, status, at)) return fail("the stop took over 10 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fail("the stop command failed");
  finish_run();  // the daemon, if the stopper returned before it was reaped
  const long long exited = read_stamp(stamp);
  if (exited == 0) return fail("the daemon never stamped its exit");
  latency_ns = at - exited;
  total_ns = at - t0;
  return true;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "stop_latency: %s\nusage: stop_latency --runs=N --pidfile=P --stamp=S [--warmup=W] "
               "START ARGS... :: NAME STOPPER ARGS... [:: NAME STOPPER ARGS...]...\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 200, warmup = 5;
  std::string pid_file, stamp;
  int i = 1;
  for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--runs=", 0) == 0) {
      runs = std::strtol(a.c_str() + 7, nullptr, 10);
    } else if (a.rfind("--warmup=", 0) == 0) {
      warmup = std::strtol(a.c_str() + 9, nullptr, 10);
    } else if (a.rfind("--pidfile=", 0) == 0) {
      pid_file = a.substr(10);
    } else if (a.rfind("--stamp=", 0) == 0) {
      stamp = a.substr(8);
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (pid_file.empty() || stamp.empty()) usage("--pidfile and --stamp are required");
  if (runs <= 0) usage("--runs must be positive");
  // The start command has no name: put one in front so that named_commands() reads it.
  std::vector<char*> rest{const_cast<char*>("start")};
  for (int k = i; k < argc; ++k) rest.push_back(argv[k]);
  const auto commands =
      daemoniker_bench::named_commands(0, static_cast<int>(rest.size()), rest.data());
  if (commands.size() < 2 || commands[0].argv.empty()) usage("a start command and a stopper");
  const named_command& start = commands[0];
  const std::vector<named_command> stoppers(commands.begin() + 1, commands.end());
  for (const auto& s : stoppers) {
    if (s.argv.empty()) usage(("stopper " + s.name + " has no program").c_str());
  }

  struct sigaction sa {};
  sa.sa_handler = on_alarm;  // no SA_RESTART: waitpid() returns EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGALRM, &sa, nullptr);
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    std::perror("stop_latency: prctl(PR_SET_CHILD_SUBREAPER)");
    return 1;
  }
  std::vector<result> results(stoppers.size());
  for (long round = -warmup; round < runs; ++round) {
    for (std::size_t k = 0; k < stoppers.size(); ++k) {
      long long latency = 0, total = 0;
      const bool ok = run_once(start, stoppers[k], pid_file, stamp, latency, total);
      if (round < 0) continue;  // warm-up: caches, page cache
      if (!ok) {
        ++results[k].failures;
        continue;
      }
      results[k].latency.push_back(latency);
      results[k].total.push_back(total);
    }
  }
  ::unlink(pid_file.c_str());
  ::unlink(stamp.c_str());
  for (std::size_t k = 0; k < stoppers.size(); ++k) {
    const result& r = results[k];
    if (r.latency.empty()) {
      std::printf("%s\t0\t%d\t-\t-\t-\t-\t-\t-\t-\t-\n", stoppers[k].name.c_str(), r.failures);
      continue;
    }
    const auto [lmin, lmax] = std::minmax_element(r.latency.begin(), r.latency.end());
    const auto [tmin, tmax] = std::minmax_element(r.total.begin(), r.total.end());
    std::vector<long long> sorted = r.latency;
    std::sort(sorted.begin(), sorted.end());
    const auto pct = [&](std::size_t p) { return sorted[(sorted.size() - 1) * p / 100]; };
    std::printf("%s\t%zu\t%d\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\t%lld\n",
                stoppers[k].name.c_str(), r.latency.size(), r.failures, median(r.latency) / 1000,
                *lmin / 1000, *lmax / 1000, pct(90) / 1000, pct(99) / 1000, median(r.total) / 1000,
                *tmin / 1000, *tmax / 1000);
  }
  return 0;
}
