// listen_fds(), socket activation's variables around an attempt, and detect_supervisor().
#include "daemoniker/src/fixed_steps.hpp"
#include "daemoniker/activation.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "daemoniker/plan.hpp"
#include "daemoniker/src/identity.hpp"
#include "daemoniker/src/listen_pid.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker {
namespace {

std::vector<listen_fd>& adopted() {
  static std::vector<listen_fd> fds;
  return fds;
}

#if !defined(_WIN32)
namespace os = detail::os;

// The kernel's initial pid namespace has a fixed inode (PROC_PID_INIT_INO); a container's
// does not. Unknown (no /proc) counts as initial: nothing is assumed.
bool in_initial_pid_namespace() {
  char link[64] = {};
  const ssize_t n = os::readlink("/proc/self/ns/pid", link, sizeof link - 1);
  return n <= 0 || std::string(link, static_cast<std::size_t>(n)) == "pid:[4026531836]";
}

// /proc belongs to this process's pid namespace (`unshare --pid` without --mount-proc leaves
// the host's): otherwise /proc/1 is someone else's PID 1, and its name proves nothing.
bool proc_is_ours() {
  char link[32] = {};
  const ssize_t n = os::readlink("/proc/self", link, sizeof link - 1);
  return n > 0 && std::strtoll(link, nullptr, 10) == os::getpid();
}

// PID 1 of a container that reaps orphans and forwards signals to its child — which must
// therefore stay in the foreground. Anything else (a shell, systemd, sysvinit) is not one.
// Podman mounts catatonit as /run/podman-init; tini also ships as tini-static.
supervisor container_init(const std::string& name) {
  if (name == "tini" || name == "tini-static") return supervisor::tini;
  if (name == "podman-init") return supervisor::catatonit;
  if (name == "dumb-init") return supervisor::dumb_init;
  if (name == "docker-init") return supervisor::docker_init;
  if (name == "catatonit") return supervisor::catatonit;
  if (name == "s6-svscan") return supervisor::s6_overlay;
  return supervisor::none;
}
#endif

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

listen_variables take_listen_variables(const plan& p) {
  listen_variables taken;
#if !defined(_WIN32)
  if (p.listen_fds.empty()) return taken;
  auto take = [](const char* name, std::optional<std::string>& value) {
    if (const char* v = std::getenv(name)) value = v;
    ::unsetenv(name);
  };
  take("LISTEN_PID", taken.pid);
  take("LISTEN_FDS", taken.fds);
  take("LISTEN_FDNAMES", taken.names);
#else
  (void)p;
#endif
  return taken;
}

void give_back(const listen_variables& taken) {
#if !defined(_WIN32)
  auto put = [](const char* name, const std::optional<std::string>& value) {
    if (value) ::setenv(name, value->c_str(), 1);
  };
  put("LISTEN_PID", taken.pid);
  put("LISTEN_FDS", taken.fds);
  put("LISTEN_FDNAMES", taken.names);
#else
  (void)taken;
#endif
}

}  // namespace detail

std::vector<listen_fd> listen_fds() { return adopted(); }

supervisor detect_supervisor() noexcept {
#if defined(_WIN32)
  return supervisor::none;
#else
  try {
    // The parent first: runsv, s6-supervise or supervise may themselves run in a systemd unit
    // whose NOTIFY_SOCKET their children inherit; a container's PID 1 may be given one too
    // (systemd-nspawn, podman --sdnotify).
    const std::string parent = detail::comm_of(os::getppid());
    if (parent == "runsv") return supervisor::runit;
    if (parent == "s6-supervise") return supervisor::s6;
    if (parent == "supervise") return supervisor::daemontools;
    // A container's main process: exiting or forking away would stop the container.
    if (os::getpid() == 1) return supervisor::pid1;
    if (os::getppid() == 1 && !in_initial_pid_namespace() && proc_is_ours()) {
      if (const supervisor init = container_init(parent); init != supervisor::none) return init;
    }
    if (const char* notify = std::getenv("NOTIFY_SOCKET"); notify != nullptr && *notify != '\0') {
      return supervisor::systemd;
    }
    if (detail::listen_pid_is_ours()) return supervisor::systemd;
    if (!adopted().empty()) return supervisor::systemd;
  } catch (...) {
  }
  return supervisor::none;
#endif
}

namespace detail {

bool listen_pid_is_ours() noexcept {
#if defined(_WIN32)
  return false;
#else
  const char* pid = std::getenv("LISTEN_PID");
  if (pid == nullptr) return false;
  char* end = nullptr;
  errno = 0;
  const long long named = std::strtoll(pid, &end, 10);
  return errno == 0 && end != pid && *end == '\0' && named == os::getpid();
#endif
}

}  // namespace detail

}  // namespace daemoniker
