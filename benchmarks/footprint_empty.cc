// The baseline of footprint_daemon.cc: an empty C++ program, built and linked the same way
// (cc_binary, -c opt), that prints its own resident set.
//
//   footprint_empty  ->  "rss_kb N hwm_kb M"
#include <cstdio>

#include "benchmarks/footprint.hpp"

int main() {
  const auto f = daemoniker_bench::own_footprint();
  std::printf("rss_kb %ld hwm_kb %ld\n", f.rss_kb, f.hwm_kb);
}
