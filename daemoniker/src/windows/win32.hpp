// Win32 helpers shared by daemoniker's Windows sources. Private.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <string>

#include "daemoniker/plan.hpp"

namespace daemoniker::detail {

/// UTF-8 from UTF-16, for messages.
inline std::string narrow(const std::wstring& w) {
  if (w.empty()) return {};
  const int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr,
                                      0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), out.data(), n, nullptr,
                        nullptr);
  return out;
}

/// A failure whose subject is a path, with the Win32 error code.
inline step_status win32_failure(step which, DWORD error, const std::filesystem::path& subject) {
  return step_status::failure(which, static_cast<int>(error), narrow(subject.native()).c_str());
}

/// Closes a handle that may be null or invalid.
inline void close_handle(HANDLE& h) noexcept {
  if (h != nullptr && h != INVALID_HANDLE_VALUE) ::CloseHandle(h);
  h = nullptr;
}

/// The program's file name without its directory, for messages.
inline std::string program_name() {
  wchar_t path[MAX_PATH] = {};
  ::GetModuleFileNameW(nullptr, path, MAX_PATH);
  std::wstring p(path);
  const auto slash = p.find_last_of(L"\\/");
  return narrow(slash == std::wstring::npos ? p : p.substr(slash + 1));
}

}  // namespace daemoniker::detail
