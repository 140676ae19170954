// How long daemonization takes, and what each step costs.
//
//   bazel run -c opt //benchmarks:daemonize_benchmark [-- --iterations=N]
//
// Each iteration forks an invoking process that daemonizes; the time is from the fork to the
// invoking process's exit with status 0, which happens only after the daemon confirmed. The
// daemon exits at once; this process is a child subreaper, so it reaps every daemon and removes
// the pid file outside the timed region: every iteration starts from the same state and nothing
// is left behind. Variants swap one policy for its null model (or another FdPolicy), so the
// difference is that step's cost. The floors are written minimally here. (HandoffPolicy has no
// null model: the double fork is what the floors measure.)
//
// Every benchmark runs a fixed number of iterations (--iterations=N, default 300) and reports
// the median, min and max as counters besides Google Benchmark's mean.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include <daemoniker/daemoniker.hpp>

#include "benchmarks/samples.hpp"

namespace {

using daemoniker_bench::now_ns;
using daemoniker_bench::samples;

long g_iterations = 300;

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

// Runs `invoke` in a forked invoking process per iteration and times fork → its exit status 0.
template <class Invoke>
void time_invocations(benchmark::State& state, const std::string& pid_file, Invoke invoke) {
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  samples times;
  for (auto _ : state) {
    ::unlink(pid_file.c_str());
    const long long t0 = now_ns();
    const pid_t invoker = ::fork();
    if (invoker == 0) {
      invoke();
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(invoker, &status, 0);
    const long long t1 = now_ns();
    if (status != 0) {
      state.SkipWithError("daemonization failed");
      break;
    }
    times.add(state, t1 - t0);
    reap_everything();  // the daemon, re-parented to us
  }
  ::unlink(pid_file.c_str());
  times.publish(state);
}

template <class Daemonizer>
void BM_Daemonize(benchmark::State& state) {
  const std::string pid_file = (scratch() / "bench.pid").string();
  time_invocations(state, pid_file, [&] {
    Daemonizer{}.daemonize(pid_file, {});
    ::_exit(0);  // the daemon: done
  });
}

// Floor 1: fork() and waitpid() of a child that exits at once.
void BM_FloorForkWait(benchmark::State& state) {
  time_invocations(state, (scratch() / "unused.pid").string(), [] {});
}

// Floor 2: a minimal double fork with setsid, close_range, a locked pid file and a pipe
// handshake — what daemonize() does, without its checks, signal reset and error channel.
void minimal_daemonize(const char* pid_file) {
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
  const int fd = ::open(pid_file, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) ::_exit(1);
  char line[24];
  const int n = std::snprintf(line, sizeof line, "%d\n", static_cast<int>(::getpid()));
  if (::ftruncate(fd, 0) != 0 || ::write(fd, line, static_cast<std::size_t>(n)) != n) ::_exit(1);
  if (::write(p[1], "", 1) != 1) ::_exit(1);
  ::_exit(0);
}

void BM_FloorMinimalDaemon(benchmark::State& state) {
  const std::string pid_file = (scratch() / "floor.pid").string();
  time_invocations(state, pid_file, [&] { minimal_daemonize(pid_file.c_str()); });
}

template <class... Policies>
using with = daemoniker::daemonizer_with<Policies...>;

void register_all() {
  const auto add = [](const char* name, void (*fn)(benchmark::State&)) {
    benchmark::RegisterBenchmark(name, fn)
        ->Iterations(g_iterations)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  };
  using namespace daemoniker;
  add("daemonize/default", BM_Daemonize<daemonizer>);
  add("daemonize/no_pid_file", BM_Daemonize<with<no_pid_file>>);
  add("daemonize/inherit_stdio", BM_Daemonize<with<inherit_stdio>>);
  add("daemonize/no_sweep", BM_Daemonize<with<no_sweep>>);
  add("daemonize/close_range_sweep", BM_Daemonize<with<close_range_sweep>>);
  add("daemonize/proc_fd_sweep", BM_Daemonize<with<proc_fd_sweep>>);
  add("daemonize/brute_force_sweep", BM_Daemonize<with<brute_force_sweep>>);
  add("daemonize/all_null_policies", BM_Daemonize<with<no_pid_file, no_sweep, inherit_stdio>>);
  add("floor/fork_wait", BM_FloorForkWait);
  add("floor/minimal_double_fork", BM_FloorMinimalDaemon);
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {  // --iterations=N (Google Benchmark rejects unknown flags)
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      g_iterations = std::strtol(argv[i] + 13, nullptr, 10);
      for (int j = i; j < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  }
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(scratch());
  return 0;
}
