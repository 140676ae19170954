// benchmarks/samples.hpp — per-iteration samples for Google Benchmark runs that time each
// iteration themselves (UseManualTime). Google Benchmark reports the mean; the docs want the
// median, the fastest and the slowest run as well, so each benchmark records every iteration
// and publishes them as counters (microseconds).
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

#include <benchmark/benchmark.h>

namespace daemoniker_bench {

/// Monotonic clock in nanoseconds; async-signal-safe (usable in a forked child).
inline long long now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

class samples {
 public:
  /// Records one iteration of `ns` nanoseconds and tells Google Benchmark about it.
  void add(benchmark::State& state, long long ns) {
    ns_.push_back(ns);
    state.SetIterationTime(static_cast<double>(ns) / 1e9);
  }

  /// Sets the counters median_us, min_us, max_us and the quartiles p25_us, p75_us.
  void publish(benchmark::State& state) {
    if (ns_.empty()) return;
    std::sort(ns_.begin(), ns_.end());
    const std::size_t n = ns_.size();
    const double median = n % 2 == 1 ? static_cast<double>(ns_[n / 2])
                                     : (static_cast<double>(ns_[n / 2 - 1]) + ns_[n / 2]) / 2.0;
    state.counters["median_us"] = median / 1e3;
    state.counters["min_us"] = static_cast<double>(ns_.front()) / 1e3;
    state.counters["max_us"] = static_cast<double>(ns_.back()) / 1e3;
    state.counters["p25_us"] = static_cast<double>(ns_[n / 4]) / 1e3;
    state.counters["p75_us"] = static_cast<double>(ns_[(3 * n) / 4]) / 1e3;
  }

 private:
  std::vector<long long> ns_;
};

}  // namespace daemoniker_bench
