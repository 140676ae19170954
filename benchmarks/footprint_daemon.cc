// A daemonized minimal program: how much memory the daemon holds, and how much the invoking
// process needed. tools/bench.sh compares it with footprint_empty.cc, and strips both to see
// the size a daemonizer adds to a binary.
//
//   footprint_daemon PIDFILE OUT
//     stdout: "invoker_rss_kb N invoker_hwm_kb M"  (the invoking process, once confirmed)
//     OUT:    "rss_kb N hwm_kb M"                   (the daemon, right after daemonizing)
#include <cstdio>

#include <daemoniker/daemoniker.hpp>

#include "benchmarks/footprint.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: footprint_daemon PIDFILE OUT\n");
    return 2;
  }
  daemoniker::daemonizer ctx;
  auto [is_parent] = ctx(argv[1]);
  const auto f = daemoniker_bench::own_footprint();
  if (is_parent) {
    std::printf("invoker_rss_kb %ld invoker_hwm_kb %ld\n", f.rss_kb, f.hwm_kb);
    std::fflush(stdout);
    return 0;
  }
  if (std::FILE* out = std::fopen(argv[2], "w")) {
    std::fprintf(out, "rss_kb %ld hwm_kb %ld\n", f.rss_kb, f.hwm_kb);
    std::fclose(out);
  }
  return 0;
}
