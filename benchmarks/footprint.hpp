// benchmarks/footprint.hpp — this process's resident set, from /proc/self/status (kB).
#pragma once

#include <cstdio>
#include <cstring>

namespace daemoniker_bench {

struct footprint {
  long rss_kb = -1;  // VmRSS: resident now
  long hwm_kb = -1;  // VmHWM: the peak so far
};

inline footprint own_footprint() {
  footprint f;
  if (std::FILE* in = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, in) != nullptr) {
      if (std::strncmp(line, "VmRSS:", 6) == 0) std::sscanf(line + 6, "%ld", &f.rss_kb);
      if (std::strncmp(line, "VmHWM:", 6) == 0) std::sscanf(line + 6, "%ld", &f.hwm_kb);
    }
    std::fclose(in);
  }
  return f;
}

}  // namespace daemoniker_bench
