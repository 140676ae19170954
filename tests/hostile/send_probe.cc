// send_probe — the library's view of a pid file, for tests/hostile/hostile_test.sh.
//
//   send_probe PIDFILE SIGNAL      daemoniker::send(PIDFILE, SIGNAL): exit 0 when it returns,
//                                  exit 1 printing std::system_error::what() when it throws
//   send_probe --inspect PIDFILE   daemoniker::inspect_pid_file(PIDFILE): prints
//                                  "state=<state> pid=<pid> uptime=<s> error=<text>", exit 0
//
// SIGNAL is a number (1) or a name (HUP, SIGHUP, TERM, ...). Usage errors exit 2.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <system_error>

#include <daemoniker/pid_file.hpp>

namespace {

int parse_signal(std::string text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 3) {
    return std::atoi(text.c_str());
  }
  if (text.rfind("SIG", 0) == 0) text = text.substr(3);
  static const struct {
    const char* name;
    int number;
  } names[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
               {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT},
               {"ALRM", SIGALRM}};
  for (const auto& n : names) {
    if (text == n.name) return n.number;
  }
  return -1;
}

// The states every version has by name; any other (added later) by number.
std::string state_name(daemoniker::pid_file_state s) {
  switch (s) {
    case daemoniker::pid_file_state::running: return "running";
    case daemoniker::pid_file_state::stale: return "stale";
    case daemoniker::pid_file_state::absent: return "absent";
    case daemoniker::pid_file_state::unreadable: return "unreadable";
    default: return "state" + std::to_string(static_cast<int>(s));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--inspect") == 0) {
    const auto st = daemoniker::inspect_pid_file(argv[2]);
    std::printf("state=%s pid=%lld uptime=%lld error=%s\n", state_name(st.state).c_str(), st.pid,
                static_cast<long long>(st.uptime.count()), st.error.c_str());
    return 0;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: send_probe PIDFILE SIGNAL | send_probe --inspect PIDFILE\n");
    return 2;
  }
  const int signal = parse_signal(argv[2]);
  if (signal < 0) {
    std::fprintf(stderr, "send_probe: unknown signal '%s'\n", argv[2]);
    return 2;
  }
  try {
    daemoniker::send(argv[1], signal);
  } catch (const std::system_error& e) {
    std::printf("send_probe: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {  // not the documented exception: say so, still a refusal
    std::printf("send_probe: unexpected exception (not std::system_error): %s\n", e.what());
    return 3;
  }
  std::printf("send_probe: sent %d\n", signal);
  return 0;
}
