// Windows: locked_pid_file.
//
// The file holds "<pid>\n" and a LockFileEx lock on one byte far past its end (at 4 GiB), so
// the lock proves liveness while any process can still read the pid (a whole-file lock would
// block reads on Windows). The invoking process checks the lock before re-launching, to refuse
// a second start at once; the daemon takes it for real. The file is opened with
// FILE_SHARE_DELETE (but without DELETE access, so any reader can still open it), so removal
// can delete it while the lock is held: delete before unlock.
#if defined(_WIN32)
#include <cstdlib>
#include <string>

#include "daemoniker/pid_file.hpp"
#include "daemoniker/policy/pid.hpp"
#include "win32.hpp"
#include "../messages.hpp"
#include "../signal_safe_text.hpp"

namespace daemoniker {
namespace {

using detail::close_handle;
using detail::win32_failure;

constexpr DWORD kShareAll = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;

HANDLE open_pid_file(const std::filesystem::path& path, DWORD creation) {
  // FILE_FLAG_OPEN_REPARSE_POINT: a symbolic link is opened as itself, and refused below.
  return ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, kShareAll, nullptr,
                       creation, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
}

bool lock(HANDLE h) {
  OVERLAPPED at{};
  at.OffsetHigh = 1;  // byte 4 GiB: past any pid file's end
  return ::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at) != 0;
}

void unlock(HANDLE h) {
  OVERLAPPED at{};
  at.OffsetHigh = 1;
  ::UnlockFileEx(h, 0, 1, 0, &at);
}

long long read_pid(HANDLE h) {
  char buf[32] = {};
  DWORD n = 0;
  OVERLAPPED at{};  // from offset 0, whatever the file pointer
  if (!::ReadFile(h, buf, sizeof buf - 1, &n, &at)) return 0;
  return detail::parse_pid(buf, n, 0xffffffffLL);  // the same rule as POSIX and send()
}

step_status refuse_odd_file(HANDLE h, const std::filesystem::path& path) {
  BY_HANDLE_FILE_INFORMATION info{};
  if (!::GetFileInformationByHandle(h, &info)) return win32_failure(step::pid_file, ::GetLastError(), path);
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return step_status::failure(step::pid_file, 0, ("'" + detail::path_text(path) + "' " + detail::kPidFileIsLink).c_str());
  }
  if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    return step_status::failure(step::pid_file, 0, ("'" + detail::path_text(path) + "' " + detail::kPidFileNotRegular).c_str());
  }
  return {};
}

// Deletes `path` if it is the file open as `ours` (it disappears when the last handle closes,
// which is ours: delete before unlock).
void delete_if_ours(const std::filesystem::path& path, HANDLE ours) {
  HANDLE h = ::CreateFileW(path.c_str(), DELETE | FILE_READ_ATTRIBUTES, kShareAll, nullptr,
                           OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return;
  BY_HANDLE_FILE_INFORMATION a{}, b{};
  if (::GetFileInformationByHandle(h, &a) && ::GetFileInformationByHandle(ours, &b) &&
      a.dwVolumeSerialNumber == b.dwVolumeSerialNumber && a.nFileIndexHigh == b.nFileIndexHigh &&
      a.nFileIndexLow == b.nFileIndexLow) {
    FILE_DISPOSITION_INFO dispose{TRUE};
    ::SetFileInformationByHandle(h, FileDispositionInfo, &dispose, sizeof dispose);
  }
  ::CloseHandle(h);
}

struct held_file {
  HANDLE handle = nullptr;
  DWORD owner = 0;
  std::filesystem::path path;
};
held_file held;

void remove_at_exit() {
  if (held.handle == nullptr || ::GetCurrentProcessId() != held.owner) return;
  delete_if_ours(held.path, held.handle);
  unlock(held.handle);
  close_handle(held.handle);
}

}  // namespace

int held_pid_file_descriptor() noexcept {
  return held.owner == ::GetCurrentProcessId() && held.handle != nullptr
             ? static_cast<int>(reinterpret_cast<std::intptr_t>(held.handle))
             : -1;
}

void release_pid_file() noexcept { remove_at_exit(); }

step_status locked_pid_file::validate(const plan& p) const {
  if (auto s = detail::check_pid_path(p.pid_file, "C:\\ProgramData\\myapp\\myapp.pid"); !s.ok()) return s;
  const auto dir = p.pid_file.parent_path();
  const DWORD attributes = ::GetFileAttributesW(dir.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES || (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    return detail::unusable_pid_directory(dir, static_cast<int>(ERROR_PATH_NOT_FOUND));
  }
  // Refuse a second start before re-launching anything: try the lock, and let go at once.
  HANDLE h = open_pid_file(p.pid_file, OPEN_EXISTING);
  if (h == INVALID_HANDLE_VALUE) return {};
  step_status s = refuse_odd_file(h, p.pid_file);
  if (s.ok()) {
    if (lock(h)) {
      unlock(h);
    } else {
      s = step_status::failure(step::already_running, 0, detail::narrow(p.pid_file.native()).c_str(),
                               read_pid(h));
    }
  }
  ::CloseHandle(h);
  return s;
}

step_status locked_pid_file::acquire(const plan& p) noexcept {
  try {
    HANDLE h = open_pid_file(p.pid_file, OPEN_ALWAYS);
    if (h == INVALID_HANDLE_VALUE) {
      return win32_failure(step::pid_file, ::GetLastError(), p.pid_file);
    }
    if (auto s = refuse_odd_file(h, p.pid_file); !s.ok()) {
      ::CloseHandle(h);
      return s;
    }
    if (!lock(h)) {
      const long long holder = read_pid(h);
      ::CloseHandle(h);
      return step_status::failure(step::already_running, 0,
                                  detail::narrow(p.pid_file.native()).c_str(), holder);
    }
    // Write over the old content, then cut what is left of it: a reader sees a whole pid,
    // the old one or ours, in front of the first newline.
    const std::string line = std::to_string(::GetCurrentProcessId()) + "\n";
    DWORD written = 0;
    OVERLAPPED at{};
    if (!::WriteFile(h, line.data(), static_cast<DWORD>(line.size()), &written, &at) ||
        written != line.size()) {
      const DWORD e = ::GetLastError();
      unlock(h);
      ::CloseHandle(h);
      return win32_failure(step::pid_file, e, p.pid_file);
    }
    LARGE_INTEGER end{};
    end.QuadPart = static_cast<LONGLONG>(line.size());
    ::SetFilePointerEx(h, end, nullptr, FILE_BEGIN);
    ::SetEndOfFile(h);
    ::FlushFileBuffers(h);
    fd = static_cast<int>(reinterpret_cast<std::intptr_t>(h));
    return {};
  } catch (...) {
    return step_status::failure(step::pid_file, static_cast<int>(ERROR_OUTOFMEMORY), "");
  }
}

void locked_pid_file::abandon(const plan& p) noexcept {
  if (fd == -1) return;
  HANDLE h = reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(fd));
  delete_if_ours(p.pid_file, h);
  unlock(h);
  ::CloseHandle(h);
  fd = -1;
}

void locked_pid_file::keep_until_exit(const plan& p) noexcept {
  if (fd == -1) return;
  try {
    held.path = p.pid_file;
  } catch (...) {
  }
  static bool registered = false;
  if (held.handle != nullptr && held.owner == ::GetCurrentProcessId()) close_handle(held.handle);
  held.handle = reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(fd));
  held.owner = ::GetCurrentProcessId();
  fd = -1;
  if (!registered) registered = std::atexit(remove_at_exit) == 0;
}

void locked_pid_file::reclaim(const plan& p, long long pid) noexcept {
  if (p.pid_file.empty() || pid <= 0) return;
  HANDLE h = open_pid_file(p.pid_file, OPEN_EXISTING);
  if (h == INVALID_HANDLE_VALUE) return;
  if (lock(h)) {
    if (read_pid(h) == pid) delete_if_ours(p.pid_file, h);
    unlock(h);
  }
  ::CloseHandle(h);
}

}  // namespace daemoniker

#endif  // defined(_WIN32)
