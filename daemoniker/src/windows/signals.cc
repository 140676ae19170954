// Windows: signal_handler and send() over named events, one per (daemon pid, signal):
// Local\daemoniker-<pid>-<signal>. send() sets the event; the daemon's listener thread waits on
// all of them and runs the callbacks — the pid file keeps holding the daemon's own pid (the
// Python library replaced it by a sentinel process's pid), and a stop reaches the program as a
// clean shutdown instead of TerminateProcess.
#if defined(_WIN32)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "daemoniker/pid_file.hpp"
#include "daemoniker/signals.hpp"
#include "../signal_state.hpp"
#include "win32.hpp"
#include "../send_refusal.hpp"
#include "../signal_safe_text.hpp"

namespace daemoniker {
namespace {

constexpr int kHup = 1, kInt = 2, kQuit = 3, kTerm = 15;

bool is_stop(int sig) { return sig == kTerm || sig == kInt || sig == kQuit; }

std::wstring event_name(unsigned long pid, int sig) {
  return L"Local\\daemoniker-" + std::to_wstring(pid) + L"-" + std::to_wstring(sig);
}

struct events {
  std::vector<HANDLE> handles;  // [0] wakes the listener; then one per signal
  std::vector<int> signals;
};

}  // namespace


namespace detail {

bool is_stop_signal(int sig) noexcept { return is_stop(sig); }
int reload_signal() noexcept { return kHup; }

void start_listening(signal_handler::state& s) {
  if (s.events != nullptr) return;
  auto* ev = new events;
  ev->handles.push_back(::CreateEventW(nullptr, FALSE, FALSE, nullptr));
  for (const auto& [sig, cb] : s.callbacks) {
    HANDLE h = ::CreateEventW(nullptr, FALSE, FALSE,
                              event_name(::GetCurrentProcessId(), sig).c_str());
    if (h == nullptr) {
      const DWORD e = ::GetLastError();
      for (HANDLE x : ev->handles) ::CloseHandle(x);
      delete ev;
      throw std::system_error(static_cast<int>(e), std::system_category(),
                              "daemoniker::signal_handler: CreateEventW");
    }
    ev->handles.push_back(h);
    ev->signals.push_back(sig);
  }
  s.events = ev;
  s.listener = std::thread([&s, ev] {
    for (;;) {
      const DWORD r = ::WaitForMultipleObjects(static_cast<DWORD>(ev->handles.size()),
                                               ev->handles.data(), FALSE, INFINITE);
      if (r == WAIT_OBJECT_0 || r == WAIT_FAILED) return;
      const DWORD i = r - WAIT_OBJECT_0;
      if (i >= 1 && i < ev->handles.size()) s.dispatch(ev->signals[i - 1]);
    }
  });
}

void stop_listening(signal_handler::state& s) noexcept {
  auto* ev = static_cast<events*>(s.events);
  if (ev == nullptr) return;
  ::SetEvent(ev->handles[0]);
  if (s.listener.joinable()) s.listener.join();
  for (HANDLE h : ev->handles) ::CloseHandle(h);
  delete ev;
  s.events = nullptr;
}

}  // namespace detail

namespace {

// The process named by a pid file, opened by handle (which pins it, as a pidfd does on Linux),
// and proven to be the daemon: not this process, and started before the pid file was last
// written — a process that reused the number after the daemon exited started later.
HANDLE open_daemon(const pid_file_status& st, FILETIME written, DWORD access) {
  if (st.pid <= 0 || st.pid > 0xffffffffLL || st.pid == ::GetCurrentProcessId()) return nullptr;
  HANDLE p = ::OpenProcess(access | PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
                           static_cast<DWORD>(st.pid));
  if (p == nullptr) return nullptr;
  FILETIME created{}, exited{}, kernel{}, user{};
  DWORD code = 0;
  const bool running = ::GetExitCodeProcess(p, &code) && code == STILL_ACTIVE;
  if (!running || !::GetProcessTimes(p, &created, &exited, &kernel, &user) ||
      ::CompareFileTime(&created, &written) > 0) {
    ::CloseHandle(p);
    return nullptr;
  }
  return p;
}

// inspect_pid_file(), and when the file was last written.
pid_file_status examine(const std::filesystem::path& pid_file, FILETIME& written) {
  pid_file_status st;
  HANDLE h = ::CreateFileW(pid_file.c_str(), GENERIC_READ | GENERIC_WRITE,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    const DWORD e = ::GetLastError();
    if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) return st;
    st.state = pid_file_state::unreadable;
    st.error = "cannot open pid file '" + detail::narrow(pid_file.native()) + "' (error " +
               std::to_string(e) + ")";
    return st;
  }
  char buf[64] = {};
  DWORD n = 0;
  OVERLAPPED from_start{};
  if (::ReadFile(h, buf, sizeof buf, &n, &from_start) && n < sizeof buf) st.pid = detail::leading_pid(buf, n, 0xffffffffLL);  // as on POSIX
  FILETIME created{}, accessed{};
  ::GetFileTime(h, &created, &accessed, &written);
  OVERLAPPED at{};
  at.OffsetHigh = 1;
  const bool unlocked = ::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at);
  if (unlocked) ::UnlockFileEx(h, 0, 1, 0, &at);
  ::CloseHandle(h);
  const std::string where = "'" + detail::narrow(pid_file.native()) + "'";
  HANDLE daemon = open_daemon(st, written, 0);
  if (daemon != nullptr) ::CloseHandle(daemon);
  if (unlocked) {
    // Windows has no tool that writes unlocked pid files for us: a live pid there is a reuse.
    st.state = daemon != nullptr ? pid_file_state::unverified : pid_file_state::stale;
    if (daemon != nullptr) {
      st.error = where + " is not locked, so pid " + std::to_string(st.pid) +
                 " cannot be verified as its daemon";
    }
    return st;
  }
  st.state = pid_file_state::running;
  st.verified = daemon != nullptr;
  if (st.verified) {
    st.lock_holders = {st.pid};
  } else {
    st.error = st.pid == 0 ? where + " is locked but holds no valid pid"
                           : where + " is locked, but pid " + std::to_string(st.pid) +
                                 " is not the process that wrote it";
  }
  return st;
}

}  // namespace

pid_file_status inspect_pid_file(const std::filesystem::path& pid_file,
                                 const process_match& /*match: POSIX only*/) noexcept {
  try {
    FILETIME written{};
    return examine(pid_file, written);
  } catch (...) {
    pid_file_status st;
    st.state = pid_file_state::unreadable;
    st.error = "out of memory";
    return st;
  }
}

void send(const std::filesystem::path& pid_file, int signal, const process_match& /*match*/) {
  FILETIME written{};
  const pid_file_status st = examine(pid_file, written);
  const std::string where = "'" + detail::narrow(pid_file.native()) + "'";
  if (auto refusal = detail::send_refusal(st, where)) throw *refusal;
  // Pinned by its handle for as long as we act on it.
  HANDLE daemon = open_daemon(st, written, PROCESS_TERMINATE);
  if (daemon == nullptr) {
    throw std::system_error(ESRCH, std::generic_category(),
                            "pid " + std::to_string(st.pid) + " from " + where +
                                " exited while it was being verified; not signalled");
  }
  HANDLE ev = ::OpenEventW(EVENT_MODIFY_STATE, FALSE,
                           event_name(static_cast<unsigned long>(st.pid), signal).c_str());
  if (ev != nullptr) {
    ::SetEvent(ev);
    ::CloseHandle(ev);
    ::CloseHandle(daemon);
    return;
  }
  // No signal_handler listens for it: like the default action, end the process.
  if ((signal == kTerm || signal == kInt || signal == 9) &&
      ::TerminateProcess(daemon, 128 + static_cast<UINT>(signal))) {
    ::CloseHandle(daemon);
    return;
  }
  ::CloseHandle(daemon);
  throw std::system_error(EINVAL, std::generic_category(),
                          "pid " + std::to_string(st.pid) + " (from " + where +
                              ") has no daemoniker::signal_handler listening for signal " +
                              std::to_string(signal));
}

}  // namespace daemoniker

#endif  // defined(_WIN32)
