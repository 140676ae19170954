// What each FdPolicy's sweep costs, as a function of RLIMIT_NOFILE and of the number of open fds.
//
//   bazel run -c opt //benchmarks:sweep_benchmark -- --rlimit=1024     (then 4096, 20000)
//
// --rlimit=N sets RLIMIT_NOFILE to N, soft and hard (the brute-force loop goes up to the hard
// limit), for the whole run: lowering a hard limit cannot be undone without CAP_SYS_RESOURCE, so
// each limit is its own run (tools/bench.sh runs them all). Without it, the limits are left as
// they are.
//
// Each benchmark opens descriptors until `open` fds are open (0, 1 and 2 included), every 97th
// of them shielded (plan::shield), laid out in one of two ways:
//   scattered  evenly from 3 up to the limit: the worst case, the highest fd is near the limit;
//   packed     3, 4, 5, ...: the same fds whatever the limit, so any difference between two
//              limits is the limit's own cost. Each iteration forks
// a child that runs one sweep and exits; the child times the sweep alone (the fork is not
// counted) and leaves the time in a shared page, so the benchmark process keeps its fds.
// Before timing, the child touches every page of code it may run: fork() does not copy the page
// tables of file-backed mappings, so the first call into each 64 KiB of code after a fork takes
// a page fault (~1-2 us) that depends on where the linker put the sweep, not on the sweep; and
// it writes 64 KiB of stack, whose pages are copy-on-write after fork() (a step_status is 1 KiB,
// so a policy that keeps two of them would otherwise pay one more fault than one that keeps one).
// `bare_close_range` is the floor: one close_range(3, ~0U, 0), shielding nothing.
//
// This process owns every fd >= 3 (it opens them and starts by closing any it inherited), so
// Google Benchmark's --benchmark_out is not supported: use --benchmark_format=json > FILE.
//
// Every run uses a fixed number of iterations (--iterations=N, default 200): with manual
// timing, Google Benchmark's min_time would count only the sweeps and fork far too often.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <daemoniker/daemoniker.hpp>

#include "benchmarks/samples.hpp"

namespace {

using daemoniker_bench::now_ns;
using daemoniker_bench::samples;

// One page shared with every forked child: [0] the sweep's time in ns.
volatile long long* shared_page() {
  static volatile long long* page = [] {
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      std::perror("sweep_benchmark: mmap");
      std::exit(1);
    }
    return static_cast<volatile long long*>(p);
  }();
  return page;
}

// The executable mappings (code) of this process, read once before any fork.
struct code_range {
  const volatile char* begin;
  const volatile char* end;
};
std::vector<code_range>& code_ranges() {
  static std::vector<code_range> ranges = [] {
    std::vector<code_range> r;
    if (std::FILE* maps = std::fopen("/proc/self/maps", "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, maps) != nullptr) {
        unsigned long lo = 0, hi = 0;
        char perms[8] = {};
        if (std::sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' &&
            std::strstr(line, "[vsyscall]") == nullptr) {
          r.push_back({reinterpret_cast<const volatile char*>(lo),
                       reinterpret_cast<const volatile char*>(hi)});
        }
      }
      std::fclose(maps);
    }
    return r;
  }();
  return ranges;
}

// In a freshly forked child: map every code page (a read of each), outside the timed region.
void touch_code() {
  for (const code_range& r : code_ranges()) {
    for (const volatile char* p = r.begin; p < r.end; p += 4096) (void)*p;
  }
}

// In a freshly forked child: take the copy-on-write faults of the stack the sweep will use.
[[gnu::noinline]] void touch_stack() {
  volatile char stack[64 * 1024];
  for (std::size_t i = 0; i < sizeof stack; i += 512) stack[i] = 0;
}

int nofile_limit() {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  return static_cast<int>(lim.rlim_cur);
}

// Opens descriptors until `open` are open, scattered over [3, limit - 1] or packed from 3 up;
// shields every 97th.
daemoniker::plan scatter(int open, bool packed, std::vector<int>& opened) {
  daemoniker::plan plan;
  const int top = packed ? open - 1 : nofile_limit() - 1;
  const int extra = open - 3;
  const int source = ::open("/dev/null", O_RDONLY);
  for (int i = 0; i < extra; ++i) {
    const int fd = 3 + static_cast<int>((static_cast<long long>(i) * (top - 2)) / extra);
    if (fd != source && ::dup2(source, fd) == -1) {
      std::perror("sweep_benchmark: dup2");
      std::exit(1);
    }
    opened.push_back(fd);
    if (i % 97 == 0) plan.shield(fd);
  }
  if (std::find(opened.begin(), opened.end(), source) == opened.end()) ::close(source);
  return plan;
}

// In the child, after the timed sweep: every kept fd open, every other one closed.
bool swept_correctly(const daemoniker::plan& plan, const std::vector<int>& opened, bool closes) {
  for (const int fd : opened) {
    const bool open = ::fcntl(fd, F_GETFD) != -1;
    const bool should = !closes || plan.is_shielded(fd);
    if (open != should) return false;
  }
  return true;
}

template <class Sweep>
int run_sweep(const daemoniker::plan& plan) {
  return Sweep{}.sweep(plan).ok() ? 0 : 1;
}

int run_bare_close_range(const daemoniker::plan&) { return ::close_range(3, ~0U, 0) == 0 ? 0 : 1; }

using sweep_fn = int (*)(const daemoniker::plan&);

void BM_Sweep(benchmark::State& state, sweep_fn sweep, bool closes, bool shields) {
  const int open = static_cast<int>(state.range(0));
  const bool packed = state.range(1) == 1;
  std::vector<int> opened;
  daemoniker::plan plan = scatter(open, packed, opened);
  if (!shields) plan = daemoniker::plan{};
  volatile long long* page = shared_page();
  samples times;
  bool first = true;
  for (auto _ : state) {
    const pid_t child = ::fork();
    if (child == 0) {
      touch_code();
      touch_stack();
      const long long t0 = now_ns();
      int status = sweep(plan);
      page[0] = now_ns() - t0;
      if (status == 0 && first && !swept_correctly(plan, opened, closes)) status = 2;
      ::_exit(status);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError(WIFEXITED(status) && WEXITSTATUS(status) == 2
                              ? "the sweep left a wrong set of fds open"
                              : "the sweep failed");
      break;
    }
    times.add(state, page[0]);
    first = false;
  }
  for (const int fd : opened) ::close(fd);
  times.publish(state);
  state.counters["rlimit"] = nofile_limit();
  state.counters["open_fds"] = open;
}

// Takes --NAME=VALUE out of argv (Google Benchmark rejects flags it does not know).
bool take_flag(int& argc, char** argv, const char* name, long& value) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      value = std::strtol(argv[i] + prefix.size(), nullptr, 10);
      for (int j = i; j < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  long limit = 0, iterations = 200;
  if (take_flag(argc, argv, "rlimit", limit)) {
    const rlimit lim{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      std::fprintf(stderr, "sweep_benchmark: cannot set RLIMIT_NOFILE to %ld: %s%s\n", limit,
                   std::strerror(errno),
                   errno == EPERM ? " (above the hard limit; raising it needs CAP_SYS_RESOURCE)" : "");
      return 2;
    }
  }
  take_flag(argc, argv, "iterations", iterations);
  ::close_range(3, ~0U, 0);  // start from 0, 1, 2 only: `open` counts every fd
  const int nofile = nofile_limit();
  code_ranges();

  struct variant {
    const char* name;
    sweep_fn fn;
    bool closes, shields;
  };
  const variant variants[] = {
      {"no_sweep", run_sweep<daemoniker::no_sweep>, false, true},
      {"close_range_sweep", run_sweep<daemoniker::close_range_sweep>, true, true},
      {"proc_fd_sweep", run_sweep<daemoniker::proc_fd_sweep>, true, true},
      {"brute_force_sweep", run_sweep<daemoniker::brute_force_sweep>, true, true},
      {"auto_sweep", run_sweep<daemoniker::auto_sweep>, true, true},
      {"bare_close_range", run_bare_close_range, true, false},
  };
  for (const variant& v : variants) {
    for (const int open : {3, 100, 1000, 10000}) {
      if (open >= nofile) continue;
      const std::string name =
          std::string("sweep/") + v.name + "/rlimit:" + std::to_string(nofile);
      benchmark::RegisterBenchmark(name.c_str(), BM_Sweep, v.fn, v.closes, v.shields)
          ->ArgNames({"open", "packed"})
          ->Args({open, 0})
          ->Args({open, 1})
          ->Iterations(iterations)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
