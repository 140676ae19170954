// A plain foreground program for //tests/systemd, run by `daemoniker start ... -- probe`: it
// does not daemonize and does not use the library. It records what it was given, then waits for
// SIGTERM and exits 0.
//
//   probe REPORT [NOTIFY_DELAY_MS]
//
// REPORT (written at start, atomically): pid, ppid, sid, NOTIFY_SOCKET, LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES, what fd 3 is, SigBlk/SigIgn from /proc/self/status, and every open fd.
// With NOTIFY_DELAY_MS it speaks sd_notify itself, from its own pid: REPORT.waiting is created,
// it sleeps that long, creates REPORT.notifying, and sends READY=1 to $NOTIFY_SOCKET.
// On SIGTERM it creates REPORT.term and exits 0.
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "(unset)";
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path.c_str());
}

std::string fd3() {
  struct stat st {};
  if (fstat(3, &st) != 0) return "closed";
  if (!S_ISSOCK(st.st_mode)) return "not-a-socket";
  int listening = 0;
  socklen_t len = sizeof listening;
  if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) return "socket";
  return listening ? "listening-socket" : "socket";
}

std::string status_lines() {
  std::ifstream in("/proc/self/status");
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("SigBlk:", 0) == 0 || line.rfind("SigIgn:", 0) == 0) {
      out += line.substr(0, 6) + "=" + line.substr(line.find_first_not_of(" \t", 7)) + "\n";
    }
  }
  return out;
}

std::string open_fds() {
  std::string out;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      char target[512] = {};
      const std::string link = std::string("/proc/self/fd/") + e->d_name;
      const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
      out += std::string(e->d_name) + ":" + (n > 0 ? target : "?") + " ";
    }
    closedir(d);
  }
  return out;
}

// sd_notify: one datagram to $NOTIFY_SOCKET (a path or an @abstract name), sent by this pid.
bool sd_notify_ready() {
  const char* where = std::getenv("NOTIFY_SOCKET");
  if (!where || !*where) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t n = std::strlen(where);
  if (n >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, where, n);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const std::string msg = "READY=1\nSTATUS=probe ready\n";
  const auto alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
  const bool ok = sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                         alen) == static_cast<ssize_t>(msg.size());
  close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s REPORT [NOTIFY_DELAY_MS]\n", argv[0]);
    return 2;
  }
  const std::string report = argv[1];

  // Read the inherited state before touching the signal mask.
  const std::string sig = status_lines();
  std::ostringstream r;
  r << "pid=" << getpid() << "\nppid=" << getppid() << "\nsid=" << getsid(0)
    << "\nNOTIFY_SOCKET=" << env("NOTIFY_SOCKET") << "\nLISTEN_PID=" << env("LISTEN_PID")
    << "\nLISTEN_FDS=" << env("LISTEN_FDS") << "\nLISTEN_FDNAMES=" << env("LISTEN_FDNAMES")
    << "\nfd3=" << fd3() << "\n"
    << sig << "fds=" << open_fds() << "\n";

  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  write_file(report, r.str());

  if (argc > 2) {
    const long ms = std::strtol(argv[2], nullptr, 10);
    write_file(report + ".waiting", std::to_string(getpid()) + "\n");
    timespec delay{ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
    write_file(report + ".notifying", std::to_string(getpid()) + "\n");
    if (!sd_notify_ready()) write_file(report + ".notify-failed", std::strerror(errno));
  }

  int got = 0;
  while (sigwait(&term, &got) != 0 || got != SIGTERM) {
  }
  write_file(report + ".term", "SIGTERM\n");
  return 0;
}
