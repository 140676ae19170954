// How long daemonization takes, and what each step costs.
//
//   bazel run -c opt //benchmarks:daemonize_benchmark
//
// Each iteration forks an invoking process that daemonizes; the time is from the fork to the
// invoking process's exit with status 0, which happens only after the daemon confirmed. The
// daemon exits at once; this process is a child subreaper, so it reaps every daemon (outside
// the timed region) and nothing is left behind. Variants swap one policy for its null model,
// so the difference is that step's cost. The floors are written minimally here.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include <daemoniker/daemoniker.hpp>

namespace {

std::filesystem::path scratch() {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/daemoniker-bench.XXXXXX";
    return std::filesystem::path(::mkdtemp(tmpl));
  }();
  return dir;
}

void reap_everything() {
  while (::waitpid(-1, nullptr, 0) > 0) {
  }
}

template <class Daemonizer>
void BM_Daemonize(benchmark::State& state) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  const auto pid_file = scratch() / "bench.pid";
  for (auto _ : state) {
    const pid_t invoker = ::fork();
    if (invoker == 0) {
      Daemonizer{}.daemonize(pid_file, {});
      ::_exit(0);  // the daemon: done (its pid file is left unlocked: the next one reclaims it)
    }
    int status = 0;
    ::waitpid(invoker, &status, 0);
    if (status != 0) {
      state.SkipWithError("daemonization failed");
      break;
    }
    state.PauseTiming();
    reap_everything();
    state.ResumeTiming();
  }
}
BENCHMARK_TEMPLATE(BM_Daemonize, daemoniker::daemonizer)->Name("daemonize/default")->UseRealTime();
BENCHMARK_TEMPLATE(BM_Daemonize, daemoniker::daemonizer_with<daemoniker::no_pid_file>)
    ->Name("daemonize/no_pid_file")->UseRealTime();
BENCHMARK_TEMPLATE(BM_Daemonize, daemoniker::daemonizer_with<daemoniker::no_sweep>)
    ->Name("daemonize/no_sweep")->UseRealTime();
BENCHMARK_TEMPLATE(BM_Daemonize, daemoniker::daemonizer_with<daemoniker::inherit_stdio>)
    ->Name("daemonize/inherit_stdio")->UseRealTime();
BENCHMARK_TEMPLATE(BM_Daemonize,
                   daemoniker::daemonizer_with<daemoniker::no_pid_file, daemoniker::no_sweep,
                                               daemoniker::inherit_stdio>)
    ->Name("daemonize/all_null_policies")->UseRealTime();

// Floor 1: fork() and waitpid() of a child that exits at once.
void BM_FloorForkWait(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
  }
}
BENCHMARK(BM_FloorForkWait)->Name("floor/fork_wait")->UseRealTime();

// Floor 2: a minimal double fork with setsid, close_range, a locked pid file and a pipe
// handshake — what daemonize() does, without its checks, signal reset and error channel.
void BM_FloorMinimalDaemon(benchmark::State& state) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  const std::string pid_file = (scratch() / "floor.pid").string();
  for (auto _ : state) {
    const pid_t invoker = ::fork();
    if (invoker == 0) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) ::_exit(1);
      const pid_t first = ::fork();
      if (first > 0) {
        char ok = 0;
        ::close(p[1]);
        const bool confirmed = ::read(p[0], &ok, 1) == 1;
        ::waitpid(first, nullptr, 0);
        ::_exit(confirmed ? 0 : 1);
      }
      ::close(p[0]);
      if (p[1] > 3) ::close_range(3, p[1] - 1, 0);  // everything but the handshake pipe
      ::close_range(p[1] + 1, ~0U, 0);
      ::setsid();
      if (::fork() > 0) ::_exit(0);
      const int fd = ::open(pid_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      ::flock(fd, LOCK_EX | LOCK_NB);
      const std::string line = std::to_string(::getpid()) + "\n";
      ::ftruncate(fd, 0);
      ::write(fd, line.data(), line.size());
      ::write(p[1], "", 1);
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(invoker, &status, 0);
    if (status != 0) {
      state.SkipWithError("floor daemon failed");
      break;
    }
    state.PauseTiming();
    reap_everything();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_FloorMinimalDaemon)->Name("floor/minimal_double_fork")->UseRealTime();

// One FdPolicy's sweep in a forked child with `open` descriptors scattered up to the limit.
template <class Sweep>
void BM_Sweep(benchmark::State& state) {
  const int open_fds = static_cast<int>(state.range(0));
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  const int top = static_cast<int>(lim.rlim_cur) - 1;
  daemoniker::plan plan;
  const int base = ::open("/dev/null", O_RDONLY);
  for (int i = 0; i < open_fds; ++i) {
    const int fd = 3 + static_cast<int>((static_cast<long long>(i) * (top - 3)) / open_fds);
    if (fd != base) ::dup2(base, fd);
    if (i % 97 == 0) plan.keep(fd);  // a few shielded fds, scattered
  }
  for (auto _ : state) {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(Sweep{}.sweep(plan).ok() ? 0 : 1);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (status != 0) {
      state.SkipWithError("sweep failed");
      break;
    }
  }
  ::close_range(3, ~0U, 0);
  state.counters["rlimit"] = static_cast<double>(top + 1);
}
#define SWEEP(policy) \
  BENCHMARK_TEMPLATE(BM_Sweep, daemoniker::policy)->Name("sweep/" #policy)->Arg(3)->Arg(100)->Arg(1000)->Arg(10000)->UseRealTime()
SWEEP(no_sweep);
SWEEP(close_range_sweep);
SWEEP(proc_fd_sweep);
SWEEP(brute_force_sweep);
SWEEP(auto_sweep);

}  // namespace

BENCHMARK_MAIN();
