// The Windows primitives under report.hpp: a channel end is an anonymous pipe's HANDLE.
#if defined(_WIN32)  // Windows; POSIX: src/channel_posix.cc
#include <algorithm>

#include "../report.hpp"
#include "win32.hpp"

namespace daemoniker::detail {
namespace {

HANDLE handle(channel c) noexcept { return reinterpret_cast<HANDLE>(c); }

}  // namespace

bool write_all(channel c, const void* data, std::size_t n) noexcept {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    DWORD done = 0;
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(n, std::size_t{1} << 20));
    if (!::WriteFile(handle(c), p, chunk, &done, nullptr)) return false;
    p += done;
    n -= done;
  }
  return true;
}

long read_some(channel c, void* data, std::size_t n) noexcept {
  DWORD got = 0;
  const auto chunk = static_cast<DWORD>(std::min<std::size_t>(n, std::size_t{1} << 20));
  if (::ReadFile(handle(c), data, chunk, &got, nullptr)) return static_cast<long>(got);
  return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;  // the writer closed its end
}

void close_channel(channel c) noexcept {
  HANDLE h = handle(c);
  close_handle(h);
}

bool channel_is_open(channel c) noexcept {
  for (const DWORD std : {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE}) {
    if (handle(c) == ::GetStdHandle(std)) return false;  // the launcher's pipes are never stdio
  }
  DWORD flags = 0;
  return c > 0 && ::GetHandleInformation(handle(c), &flags) != 0 &&
         ::GetFileType(handle(c)) == FILE_TYPE_PIPE;
}

bool made_by_peer_of_ours(channel) noexcept { return true; }

void keep_from_children(channel c) noexcept {
  ::SetHandleInformation(handle(c), HANDLE_FLAG_INHERIT, 0);
}

std::int64_t own_pid() noexcept { return ::GetCurrentProcessId(); }

}  // namespace daemoniker::detail

#endif  // defined(_WIN32)
