// POSIX: inspecting a pid file from outside, and send().
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "daemoniker/pid_file.hpp"
#include "text.hpp"

namespace daemoniker {
namespace {

// Seconds since `pid` started, from /proc (0 when unknown).
std::chrono::seconds uptime_of(long long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return {};
  const auto close = line.rfind(')');  // the command may contain spaces and parentheses
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) {
      double boot_seconds = 0;
      std::ifstream("/proc/uptime") >> boot_seconds;
      const double started = std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
      return std::chrono::seconds(static_cast<long long>(boot_seconds - started));
    }
  }
  return {};
}

}  // namespace

pid_file_status inspect_pid_file(const std::filesystem::path& pid_file) noexcept {
  pid_file_status st;
  try {
    const int fd = ::open(pid_file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd == -1) {
      if (errno == ENOENT) return st;  // absent
      st.state = pid_file_state::unreadable;
      st.error = "cannot open pid file '" + pid_file.string() + "': " +
                 (errno == ELOOP ? std::string("it is a symbolic link")
                                 : std::generic_category().message(errno));
      return st;
    }
    struct stat info {};
    if (::fstat(fd, &info) == -1 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      st.state = pid_file_state::unreadable;
      st.error = "'" + pid_file.string() + "' is not a regular file";
      return st;
    }
    char buf[32];
    const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    st.pid = n > 0 ? detail::parse_pid(buf, static_cast<std::size_t>(n)) : 0;
    // The lock, not the pid, tells whether the daemon runs. A shared lock is enough to test it
    // and is dropped at once.
    if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
      st.state = pid_file_state::stale;
    } else if (errno == EWOULDBLOCK) {
      st.state = pid_file_state::running;
      st.uptime = uptime_of(st.pid);
    } else {
      st.state = pid_file_state::unreadable;
      st.error = "cannot test the lock of '" + pid_file.string() + "': " + std::generic_category().message(errno);
    }
    ::close(fd);
  } catch (...) {
    st.state = pid_file_state::unreadable;
    st.error = "out of memory";
  }
  return st;
}

void send(const std::filesystem::path& pid_file, int signal) {
  const pid_file_status st = inspect_pid_file(pid_file);
  switch (st.state) {
    case pid_file_state::absent:
      throw std::system_error(ENOENT, std::generic_category(),
                              "not running: no pid file '" + pid_file.string() + "'");
    case pid_file_state::stale:
      throw std::system_error(ESRCH, std::generic_category(),
                              "not running: the pid file '" + pid_file.string() +
                                  "' is stale (pid " + std::to_string(st.pid) +
                                  " is not its daemon; not signalled)");
    case pid_file_state::unreadable:
      throw std::system_error(EIO, std::generic_category(), st.error);
    case pid_file_state::running:
      break;
  }
  if (st.pid <= 0) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "the pid file '" + pid_file.string() + "' is locked but holds no pid");
  }
  if (::kill(static_cast<pid_t>(st.pid), signal) == -1) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot signal pid " + std::to_string(st.pid) + " (from '" +
                                pid_file.string() + "')");
  }
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
