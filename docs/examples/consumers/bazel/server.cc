// A consumer's program (the README's "Use it from your build"): daemonizes with the pid file
// named by argv[1], writes argv[2] once it is the daemon, and runs until SIGTERM, when it
// returns from main and so removes its pid file. The consumer tests build it with each route.
// [snippet:consumer-server]
#include <daemoniker/daemoniker.hpp>

#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto [marker] = daemoniker::daemonize(argv[1], {.chdir = "/"}, std::string(argv[2]));
  std::ofstream(marker) << "daemon " << daemoniker::version << "\n";
  daemoniker::signal_handler signals;
  signals.start();
  signals.wait();  // SIGTERM, SIGINT or SIGQUIT
}
// [/snippet:consumer-server]
