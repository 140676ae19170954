// RedirectPolicy models. redirect() runs in the daemon before it confirmed startup:
// async-signal-safe system calls only.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemoniker/src/descriptors.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/policy/redirect.hpp"

namespace daemoniker {
namespace {

using detail::retry_eintr;
namespace os = detail::os;

constexpr int kCommon = O_NOCTTY | O_CLOEXEC | O_NONBLOCK;

// Opens `path` without blocking (a FIFO without its peer must not hang the daemon: ENXIO for
// a writer, or reads that see EOF for a reader), then makes the descriptor blocking again and
// lifts it to >= 3 so installing it can never overwrite another stream's source.
int open_stream(const char* path, int flags) noexcept {
  int fd = retry_eintr([&] { return os::open(path, flags | kCommon, 0666); });
  if (fd == -1) return -1;
  const int fl = os::fcntl(fd, F_GETFL, 0);
  if (fl == -1 || os::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
    const int e = errno;
    os::close(fd);
    errno = e;
    return -1;
  }
  return detail::move_above(fd);
}

}  // namespace

step_status redirect_stdio::redirect(const plan& p) const noexcept {
  const char* path[3] = {p.stdin_goto.c_str(), p.stdout_goto.c_str(), p.stderr_goto.c_str()};
  constexpr step which[3] = {step::stdin_redirect, step::stdout_redirect, step::stderr_redirect};
  constexpr int kAppend = O_WRONLY | O_APPEND | O_CREAT;

  // One open file per distinct path: stdout and stderr naming the same log share one offset
  // (and O_APPEND keeps every line), and a path used for input and output is opened O_RDWR.
  int fd[3] = {-1, -1, -1};
  int owner[3] = {0, 1, 2};  // which slot opened the file this stream uses
  // In the foreground under a supervisor, a stream left to its default stays connected to the
  // supervisor (systemd's journal, s6's logger) instead of going to /dev/null.
  auto keep = [&](int i) { return p.foreground && (p.defaulted_stdio & (1u << i)) != 0; };
  for (int i = 1; i < 3; ++i) {
    for (int j = 0; j < i; ++j) {
      if (!keep(j) && std::strcmp(path[i], path[j]) == 0) {
        owner[i] = j;
        break;
      }
    }
  }
  auto close_opened = [&]() noexcept {
    for (int i = 0; i < 3; ++i) {
      if (owner[i] == i && fd[i] != -1) os::close(fd[i]);
    }
  };
  for (int i = 0; i < 3; ++i) {
    if (owner[i] != i || keep(i)) continue;
    bool read = i == 0, write = i != 0;
    for (int j = i + 1; j < 3; ++j) {
      if (owner[j] == i) write = true;
    }
    const int flags = read && write ? (O_RDWR | O_APPEND | O_CREAT) : read ? O_RDONLY : kAppend;
    fd[i] = open_stream(path[i], flags);
    if (fd[i] == -1) {
      const int e = errno;
      close_opened();
      return step_status::failure(which[i], e, path[i]);
    }
  }
  for (int i = 0; i < 3; ++i) {
    if (keep(i)) continue;
    // dup2 clears close-on-exec on the target, so children of the daemon inherit its stdio.
    if (retry_eintr([&] { return os::dup2(fd[owner[i]], i); }) == -1) {
      const int e = errno;
      close_opened();
      return step_status::failure(which[i], e, path[i]);
    }
  }
  close_opened();
  return {};
}

step_status inherit_stdio::redirect(const plan&) const noexcept {
  constexpr step which[3] = {step::stdin_redirect, step::stdout_redirect, step::stderr_redirect};
  for (int fd = 0; fd < 3; ++fd) {
    if (os::fcntl(fd, F_GETFD, 0) != -1 || errno != EBADF) continue;
    // The lowest free number is taken, and every lower one is open: it is `fd` itself.
    const int null = retry_eintr([] { return os::open("/dev/null", O_RDWR | O_NOCTTY, 0); });
    if (null == -1) return step_status::failure(which[fd], errno, "/dev/null");
    if (null != fd) {
      os::close(null);
      return step_status::failure(which[fd], EBADF, "/dev/null");
    }
  }
  return {};
}

}  // namespace daemoniker

#endif  // !defined(_WIN32)
