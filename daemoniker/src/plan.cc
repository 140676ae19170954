// Turning options into a plan (invoking process, before anything forks). How a failure is
// told to a person: messages.cc.
#include "daemoniker/plan.hpp"

#if defined(_WIN32)
#include "daemoniker/src/windows/win32.hpp"
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>

#include "daemoniker/options.hpp"
#if !defined(_WIN32)
#include "daemoniker/src/sys.hpp"
#endif
#include "daemoniker/src/listen_pid.hpp"
#include "signal_safe_text.hpp"

namespace daemoniker {

step_status step_status::failure(step which, int error, const char* subject,
                                 long long detail) noexcept {
  step_status s;
  s.failed = which;
  s.error = error;
  s.detail = detail;
  detail::fixed_text(s.subject, sizeof s.subject).add(subject);
  return s;
}

void plan::shield(int fd) {
  const auto at = std::lower_bound(shielded_fds.begin(), shielded_fds.end(), fd);
  if (at == shielded_fds.end() || *at != fd) shielded_fds.insert(at, fd);
}

bool plan::is_shielded(int fd) const noexcept {
  return std::binary_search(shielded_fds.begin(), shielded_fds.end(), fd);
}

namespace {

#if !defined(_WIN32)
namespace os = detail::os;
#endif

step_status invalid(const std::string& message) {
  return step_status::failure(step::options, 0, message.c_str());
}

// Resolves `given` (or `fallback` when absent) against the invoking process's directory.
step_status resolve(const char* name, const std::optional<std::filesystem::path>& given,
                    const std::filesystem::path& fallback, const std::filesystem::path& cwd,
                    std::filesystem::path& out) {
  if (!given) {
    out = fallback;
    return {};
  }
  if (given->empty()) {
    return invalid(std::string("options::") + name +
                   " is an empty path: leave it unset for the default, or name a file");
  }
  out = given->is_absolute() ? *given : cwd / *given;
  return {};
}

// systemd socket activation: LISTEN_FDS sockets from fd 3, meant for this process when
// LISTEN_PID is ours. They are shielded from the sweep and handed over by listen_fds(); the
// variables stay until the handoff starts (launch.cc takes them out for as long as it runs,
// and puts them back if it fails), so that an attempt that fails before leaves them as found.
void capture_listen_fds(plan& p) {
  const char* fds = std::getenv("LISTEN_FDS");
  if (fds == nullptr || !detail::listen_pid_is_ours()) return;
  // sd_listen_fds(3) rules: a whole decimal number.
  char* end = nullptr;
  const long n = std::strtol(fds, &end, 10);
  if (end == fds || *end != '\0' || n <= 0) return;
  for (int i = 0; i < n && i < 4096; ++i) {
    p.listen_fds.push_back(3 + i);
    p.shield(3 + i);
  }
  if (const char* names = std::getenv("LISTEN_FDNAMES")) p.listen_fdnames = names;
}

}  // namespace

step_status make_plan(const std::filesystem::path& pid_file, const options& o, plan& out) {
  if (o.umask > 0777) {
    char octal[16];
    std::snprintf(octal, sizeof octal, "0%o", o.umask);
    return invalid(std::string("options::umask ") + octal +
                   " is out of range: give a mode between 0 and 0777, such as 0027");
  }
  if (o.fd_fallback_limit <= 3) {
    return invalid("options::fd_fallback_limit " + std::to_string(o.fd_fallback_limit) +
                   " is too small: it is one past the highest fd the sweep closes when "
                   "RLIMIT_NOFILE is unlimited, so it must be greater than 3 (default 1024)");
  }
  if (o.success_timeout.count() <= 0) {
    return invalid("options::success_timeout is " + std::to_string(o.success_timeout.count()) +
                   " ms: it must be positive, such as std::chrono::seconds{30}");
  }
  for (const int fd : o.shielded_fds) {
    if (fd < 0) {
      return invalid("options::shielded_fds contains " + std::to_string(fd) +
                     ": file descriptors are never negative; remove it");
    }
    if (fd <= 2) {
      return invalid("options::shielded_fds contains " + std::to_string(fd) +
                     ", one of the daemon's stdin/stdout/stderr, which are set by "
                     "stdin_goto/stdout_goto/stderr_goto; use daemoniker::inherit_stdio to "
                     "keep the caller's instead");
    }
#if !defined(_WIN32)  // unused on Windows, as in the spec
    if (detail::os::fcntl(fd, F_GETFD, 0) == -1) {
      return invalid("options::shielded_fds contains " + std::to_string(fd) +
                     ", which is not open in the invoking process: open it before "
                     "daemonizing, or remove it from the list");
    }
#endif
  }

  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) {
    return step_status::failure(
        step::chdir, ec.value(),
        "the current directory (relative paths are resolved against it; pass absolute "
        "paths or set options::chdir)");
  }

  plan p;
#if defined(_WIN32)
  const std::filesystem::path devnull = "NUL";
#else
  const std::filesystem::path devnull = "/dev/null";
#endif
  if (auto s = resolve("chdir", o.chdir, cwd, cwd, p.chdir); !s.ok()) return s;
  if (auto s = resolve("stdin_goto", o.stdin_goto, devnull, cwd, p.stdin_goto); !s.ok()) return s;
  if (auto s = resolve("stdout_goto", o.stdout_goto, devnull, cwd, p.stdout_goto); !s.ok()) return s;
  if (auto s = resolve("stderr_goto", o.stderr_goto, devnull, cwd, p.stderr_goto); !s.ok()) return s;
  if (!pid_file.empty()) p.pid_file = pid_file.is_absolute() ? pid_file : cwd / pid_file;
  p.umask = o.umask;
  p.chdir_defaulted = !o.chdir;
  p.defaulted_stdio = (o.stdin_goto ? 0u : 1u) | (o.stdout_goto ? 0u : 2u) | (o.stderr_goto ? 0u : 4u);
  for (const int fd : o.shielded_fds) p.shield(fd);
  capture_listen_fds(p);
  p.fd_fallback_limit = o.fd_fallback_limit;
  p.success_timeout = o.success_timeout;
  p.strip_cmd_args = o.strip_cmd_args;
  out = std::move(p);
  return {};
}

}  // namespace daemoniker
