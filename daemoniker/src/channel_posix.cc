// The POSIX primitives under report.hpp: a channel end is a socket descriptor (make_channel,
// fork_window.cc). Async-signal-safe; every call goes through the seam (sys.hpp).
#if !defined(_WIN32)  // POSIX; Windows: src/windows/channel.cc
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "daemoniker/src/report.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::detail {

bool write_all(channel c, const void* data, std::size_t n) noexcept {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    // MSG_NOSIGNAL: a vanished reader must give EPIPE, not kill us with SIGPIPE.
    const ssize_t sent = retry_eintr([&] { return os::send(static_cast<int>(c), p, n, MSG_NOSIGNAL); });
    if (sent <= 0) return false;
    p += sent;
    n -= static_cast<std::size_t>(sent);
  }
  return true;
}

long read_some(channel c, void* data, std::size_t n) noexcept {
  return retry_eintr([&] { return os::read(static_cast<int>(c), data, n); });
}

void close_channel(channel c) noexcept { os::close(static_cast<int>(c)); }

bool channel_is_open(channel c) noexcept {
  struct stat st {};
  return c >= 3 && c <= 0x7fffffff && os::fstat(static_cast<int>(c), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool made_by_peer_of_ours(channel c) noexcept {
  struct ucred creator {};
  socklen_t size = sizeof creator;
  return os::getsockopt(static_cast<int>(c), SOL_SOCKET, SO_PEERCRED, &creator, &size) == 0 &&
         creator.uid == os::geteuid();
}

void keep_from_children(channel c) noexcept { os::fcntl(static_cast<int>(c), F_SETFD, FD_CLOEXEC); }

std::int64_t own_pid() noexcept { return os::getpid(); }

}  // namespace daemoniker::detail

#endif  // !defined(_WIN32)
