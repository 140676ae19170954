// Readiness sinks: the invoking process (through the handoff's channel), systemd's
// NOTIFY_SOCKET (the sd_notify datagram protocol, written here: no libsystemd), and s6's
// notification fd.
#include "daemoniker/notify.hpp"
#include "daemoniker/src/confirmation.hpp"
#include "daemoniker/src/sys.hpp"

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#if !defined(_WIN32)
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#else
#include "daemoniker/src/windows/win32.hpp"  // GetCurrentProcessId
#endif

namespace daemoniker {
namespace detail {
namespace {
bool container_main = false;
}  // namespace
void stayed_in_container() noexcept { container_main = true; }
bool main_pid_is_local() noexcept { return container_main; }
}  // namespace detail

namespace {

#if !defined(_WIN32)
namespace os = detail::os;
#endif
int notification_fd = -1;

// One datagram to $NOTIFY_SOCKET; false when there is none or it could not be sent.
bool sd_notify(const std::string& message) noexcept {
#if defined(_WIN32)
  (void)message;
  return false;
#else
  const char* address = std::getenv("NOTIFY_SOCKET");
  if (address == nullptr || (address[0] != '/' && address[0] != '@')) return false;
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(address);
  if (length >= sizeof to.sun_path) return false;
  std::memcpy(to.sun_path, address, length);
  if (to.sun_path[0] == '@') to.sun_path[0] = '\0';  // the abstract namespace
  const socklen_t size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length +
                                                (address[0] == '/' ? 1 : 0));
  const int fd = os::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd == -1) return false;
  const ssize_t sent = os::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&to), size);
  os::close(fd);
  return sent == static_cast<ssize_t>(message.size());
#endif
}

long long own_pid() noexcept {
#if defined(_WIN32)
  return static_cast<long long>(::GetCurrentProcessId());
#else
  return os::getpid();
#endif
}

// STATUS= takes one line.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

void notify_ready(std::string_view status) noexcept {
  try {
    detail::confirm_startup(true, "", 0);
    // No MAINPID from a container's main process: its pid is the container's, and names
    // another process (or none) where the NOTIFY_SOCKET listener runs; the sender's own
    // credentials say who it is.
    std::string message = detail::main_pid_is_local() ? "READY=1\n"
                                                      : "READY=1\nMAINPID=" + std::to_string(own_pid()) + "\n";
    if (!status.empty()) message += "STATUS=" + one_line(status) + "\n";
    sd_notify(message);
#if !defined(_WIN32)
    if (notification_fd != -1) {
      const char newline = '\n';
      (void)os::write(notification_fd, &newline, 1);
      os::close(notification_fd);
      notification_fd = -1;
    }
#endif
  } catch (...) {
  }
}

void notify_failed(std::string_view message, int exit_code, int error) noexcept {
  try {
    const std::string text(message);
    detail::confirm_startup(false, text.c_str(), exit_code);
    std::string m = "STATUS=" + one_line(message) + "\n";
    if (error != 0) m += "ERRNO=" + std::to_string(error) + "\n";
    sd_notify(m);
  } catch (...) {
  }
}

void notify_status(std::string_view status) noexcept {
  try {
    sd_notify("STATUS=" + one_line(status) + "\n");
  } catch (...) {
  }
}

void notify_reloading() noexcept {
  try {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
    sd_notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\n");
  } catch (...) {
  }
}

void notify_stopping() noexcept {
  try {
    sd_notify("STOPPING=1\n");
  } catch (...) {
  }
}

void notify_watchdog() noexcept {
  try {
    sd_notify("WATCHDOG=1\n");
  } catch (...) {
  }
}

std::optional<std::chrono::microseconds> watchdog_interval() noexcept {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::strtoll(pid, nullptr, 10) != own_pid()) {
    return std::nullopt;  // meant for another process
  }
  char* end = nullptr;
  const long long value = std::strtoll(usec, &end, 10);
  if (end == usec || *end != '\0') return std::nullopt;
  if (value <= 0) return std::nullopt;
  return std::chrono::microseconds(value);
}

void extend_timeout(std::chrono::microseconds more) noexcept {
  try {
    detail::extend_confirmation(std::chrono::ceil<std::chrono::milliseconds>(more));
    sd_notify("EXTEND_TIMEOUT_USEC=" + std::to_string(more.count()) + "\n");
  } catch (...) {
  }
}

void set_notification_fd(int fd) noexcept { notification_fd = fd; }

}  // namespace daemoniker
