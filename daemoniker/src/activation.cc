// listen_fds() and detect_supervisor().
#include "daemoniker/activation.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "daemoniker/plan.hpp"

namespace daemoniker {
namespace {

std::vector<listen_fd>& adopted() {
  static std::vector<listen_fd> fds;
  return fds;
}

}  // namespace

namespace detail {

// In the daemon: keep what daemonize() captured, for listen_fds().
void adopt_listen_fds(const plan& p) {
  auto& fds = adopted();
  fds.clear();
  std::size_t at = 0;
  for (const int fd : p.listen_fds) {
    std::string name;
    if (at <= p.listen_fdnames.size() && !p.listen_fdnames.empty()) {
      const std::size_t colon = p.listen_fdnames.find(':', at);
      name = p.listen_fdnames.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
      at = colon == std::string::npos ? p.listen_fdnames.size() + 1 : colon + 1;
    }
    fds.push_back({fd, name});
  }
}

}  // namespace detail

std::vector<listen_fd> listen_fds() { return adopted(); }

supervisor detect_supervisor() noexcept {
#if defined(_WIN32)
  return supervisor::none;
#else
  try {
    if (const char* notify = std::getenv("NOTIFY_SOCKET"); notify != nullptr && *notify != '\0') {
      return supervisor::systemd;
    }
    if (const char* pid = std::getenv("LISTEN_PID"); pid != nullptr && std::strtoll(pid, nullptr, 10) == ::getpid()) {
      return supervisor::systemd;
    }
    if (!adopted().empty()) return supervisor::systemd;
    std::ifstream comm("/proc/" + std::to_string(::getppid()) + "/comm");
    std::string parent;
    std::getline(comm, parent);
    if (parent == "runsv") return supervisor::runit;
    if (parent == "s6-supervise") return supervisor::s6;
    if (parent == "supervise") return supervisor::daemontools;
  } catch (...) {
  }
  return supervisor::none;
#endif
}

}  // namespace daemoniker
