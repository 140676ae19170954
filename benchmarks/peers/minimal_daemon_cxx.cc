// benchmarks/peers/minimal_daemon.c compiled as C++ (its pid line a std::string), so that the
// program loads libstdc++: the C and the C++ floors of benchmarks/peer_harness.cc differ by the
// cost of starting a C++ program alone.
#include "benchmarks/peers/minimal_daemon.c"
