// The library as a peer of whole programs (benchmarks/peer_harness.cc): daemonize with every
// default and a pid file, then exit (the daemon removes its pid file on the way out).
//
//   lib_daemon PIDFILE
#include <cstdio>

#include <daemoniker/daemoniker.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: lib_daemon PIDFILE\n");
    return 2;
  }
  daemoniker::daemonize(argv[1], {});
  return 0;  // the daemon, confirmed: done
}
