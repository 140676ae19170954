// Windows: reexec_handoff, the default. The daemon is the same executable started again
// (GetModuleFileNameW, so any .exe works — no interpreter, no script) with CreateProcessW:
//
//   - DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP (no console, no Ctrl+C from the invoker's
//     console), plus CREATE_BREAKAWAY_FROM_JOB when the job allows it;
//   - only the intended handles inherited (STARTUPINFOEX + PROC_THREAD_ATTRIBUTE_HANDLE_LIST):
//     the handoff pipe, the report pipe and the three standard handles;
//   - stdin/stdout/stderr set at the handle level to the *_goto targets (stdout and stderr
//     opened for appending; one handle for a shared path), so C-level writes and the daemon's
//     own child processes are redirected too;
//   - the command line re-quoted with the rules CommandLineToArgvW inverts (or the program
//     only, with options::strip_cmd_args), so the daemon sees exactly the original argv.
//
// The plan and the preserved arguments go down an inherited pipe (never a temporary file);
// DAEMONIKER_HANDOFF names the two pipes' handle values and is removed by the daemon. The
// invoking process waits for the daemon's report for at most success_timeout; a failure, an
// early exit or a timeout is reported, the half-started daemon terminated and its pid file
// removed.
#if defined(_WIN32)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cwchar>
#include <string>
#include <string_view>
#include <vector>

#include "daemoniker/src/messages.hpp"
#include "daemoniker/basic_daemonizer.hpp"
#include "daemoniker/policy/reexec.hpp"
#include "../relaunch.hpp"
#include "../verdict.hpp"
#include "win32.hpp"

#include <shellapi.h>

namespace daemoniker {
namespace {

using detail::close_handle;
using detail::narrow;
using detail::win32_failure;

// The variable's name, as Win32 spells it.
std::wstring handoff_variable() {
  const std::string_view name = detail::kHandoffVariable;
  return std::wstring(name.begin(), name.end());
}

// --- quoting: the inverse of CommandLineToArgvW ----------------------------------------------

void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  for (auto it = arg.begin();; ++it) {
    std::size_t backslashes = 0;
    while (it != arg.end() && *it == L'\\') {
      ++it;
      ++backslashes;
    }
    if (it == arg.end()) {  // double them before the closing quote
      line.append(backslashes * 2, L'\\');
      break;
    }
    if (*it == L'"') {  // double them and escape the quote
      line.append(backslashes * 2 + 1, L'\\');
      line += L'"';
    } else {
      line.append(backslashes, L'\\');
      line += *it;
    }
  }
  line += L'"';
}

std::wstring command_line(bool program_only) {
  int argc = 0;
  wchar_t** argv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
  std::wstring line;
  for (int i = 0; i < argc && (i == 0 || !program_only); ++i) append_quoted(line, argv[i]);
  ::LocalFree(argv);
  return line;
}

// --- the invoking process ---------------------------------------------------------------------

struct std_handles {
  HANDLE in = nullptr, out = nullptr, err = nullptr;
  std::vector<HANDLE> owned;  // to close once the daemon has them
  ~std_handles() {
    for (HANDLE& h : owned) close_handle(h);
  }
};

// Opens (or borrows) the daemon's standard handles, inheritable.
step_status open_std_handles(const plan& p, std_handles& out) {
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  if (p.keeps_caller_stdio) {
    const DWORD which[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    HANDLE* slot[3] = {&out.in, &out.out, &out.err};
    for (int i = 0; i < 3; ++i) {
      HANDLE mine = ::GetStdHandle(which[i]);
      HANDLE copy = nullptr;
      if (mine != nullptr && mine != INVALID_HANDLE_VALUE &&
          ::DuplicateHandle(::GetCurrentProcess(), mine, ::GetCurrentProcess(), &copy, 0, TRUE,
                            DUPLICATE_SAME_ACCESS)) {
        *slot[i] = copy;
        out.owned.push_back(copy);
      }
    }
    return {};
  }
  const std::filesystem::path* paths[3] = {&p.stdin_goto, &p.stdout_goto, &p.stderr_goto};
  const step which[3] = {step::stdin_redirect, step::stdout_redirect, step::stderr_redirect};
  HANDLE* slot[3] = {&out.in, &out.out, &out.err};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < i; ++j) {  // one handle per distinct path
      if (*paths[j] == *paths[i]) *slot[i] = *slot[j];
    }
    if (*slot[i] != nullptr) continue;
    const bool input = i == 0 && *paths[0] != p.stdout_goto && *paths[0] != p.stderr_goto;
    const bool output_too = i == 0 && !input;
    HANDLE h = ::CreateFileW(
        paths[i]->c_str(),
        input ? GENERIC_READ : (FILE_APPEND_DATA | SYNCHRONIZE | (output_too ? GENERIC_READ : 0)),
        FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &inheritable,
        input ? OPEN_EXISTING : OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return win32_failure(which[i], ::GetLastError(), *paths[i]);
    *slot[i] = h;
    out.owned.push_back(h);
  }
  return {};
}

// The environment block of the new run: ours, without a stale handoff variable, plus ours.
std::vector<wchar_t> environment_with(const std::wstring& handoff) {
  std::vector<wchar_t> block;
  wchar_t* env = ::GetEnvironmentStringsW();
  const std::wstring prefix = handoff_variable() + L"=";
  for (const wchar_t* e = env; *e != L'\0'; e += std::wcslen(e) + 1) {
    if (std::wcsncmp(e, prefix.c_str(), prefix.size()) == 0) continue;
    block.insert(block.end(), e, e + std::wcslen(e) + 1);
  }
  ::FreeEnvironmentStringsW(env);
  const std::wstring ours = prefix + handoff;
  block.insert(block.end(), ours.c_str(), ours.c_str() + ours.size() + 1);
  block.push_back(L'\0');
  return block;
}

// How a process with exit code `code` ended, for messages.
std::string how_it_ended(DWORD code) {
  if (code >= 0xC0000000UL) {  // an NTSTATUS: it crashed
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
    return std::string("crashed with exception ") + hex;
  }
  return "exited with status " + std::to_string(code);
}

// A failure the invoking process returns (role::failed), everything cleaned up.
role refuse(const stages& st, const step_status& s) {
  *st.failure = s;
  return role::failed;
}

// The daemon: this .exe again, detached, inheriting exactly `inherited` (the handoff pipe's
// read end, the report pipe's write end, the std handles), told where they are through
// DAEMONIKER_HANDOFF.
step_status create_daemon(const plan& p, const std_handles& stdio, HANDLE hand_read,
                          HANDLE report_write, PROCESS_INFORMATION& pi) {
  std::vector<HANDLE> inherited{hand_read, report_write};
  for (HANDLE h : {stdio.in, stdio.out, stdio.err}) {
    if (h != nullptr && std::find(inherited.begin(), inherited.end(), h) == inherited.end()) {
      inherited.push_back(h);
    }
  }
  SIZE_T size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
  std::vector<char> attributes_storage(size);
  auto* attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attributes_storage.data());
  if (!::InitializeProcThreadAttributeList(attributes, 1, 0, &size) ||
      !::UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                   inherited.data(), inherited.size() * sizeof(HANDLE), nullptr,
                                   nullptr)) {
    return step_status::failure(step::handoff, static_cast<int>(::GetLastError()),
                                "cannot restrict the inherited handles");
  }
  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = stdio.in;
  si.StartupInfo.hStdOutput = stdio.out;
  si.StartupInfo.hStdError = stdio.err;
  si.lpAttributeList = attributes;

  wchar_t module[32768] = {};
  ::GetModuleFileNameW(nullptr, module, 32768);
  std::wstring line = command_line(p.strip_cmd_args);
  const std::string value = detail::handoff_value(reinterpret_cast<detail::channel>(hand_read),
                                                 reinterpret_cast<detail::channel>(report_write));
  std::vector<wchar_t> env = environment_with(std::wstring(value.begin(), value.end()));

  DWORD flags = DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_UNICODE_ENVIRONMENT |
                EXTENDED_STARTUPINFO_PRESENT;
  BOOL created = ::CreateProcessW(module, line.data(), nullptr, nullptr, TRUE,
                                  flags | CREATE_BREAKAWAY_FROM_JOB, env.data(), nullptr,
                                  &si.StartupInfo, &pi);
  if (!created && ::GetLastError() == ERROR_ACCESS_DENIED) {  // the job forbids breaking away
    created = ::CreateProcessW(module, line.data(), nullptr, nullptr, TRUE, flags, env.data(),
                               nullptr, &si.StartupInfo, &pi);
  }
  const DWORD create_error = ::GetLastError();
  ::DeleteProcThreadAttributeList(attributes);
  if (!created) return step_status::failure(step::fork, static_cast<int>(create_error), "CreateProcessW");
  close_handle(pi.hThread);
  return {};
}

// Waits for the daemon's report, its end, or the deadline; the daemon is `pi`.
role await_verdict(plan& p, const stages& st, PROCESS_INFORMATION& pi, HANDLE& report_read) {
  detail::startup_wait wait(p.success_timeout, /*relayed=*/false);
  wait.set_daemon(pi.dwProcessId);
  auto fail = [&](const step_status& s, bool end_it) {
    if (end_it) ::TerminateProcess(pi.hProcess, 1);
    ::WaitForSingleObject(pi.hProcess, 2000);
    close_handle(pi.hProcess);
    close_handle(report_read);
    st.reclaim(p, wait.daemon());
    return refuse(st, s);
  };
  for (;;) {
    DWORD available = 0;
    if (::PeekNamedPipe(report_read, nullptr, 0, nullptr, &available, nullptr) && available > 0) {
      DWORD n = 0;
      if (!::ReadFile(report_read, wait.space(), static_cast<DWORD>(std::min<std::size_t>(available, wait.missing())), &n, nullptr)) n = 0;
      switch (wait.take(n, p)) {
        case detail::startup_wait::verdict::pending: continue;
        case detail::startup_wait::verdict::ready:
          close_handle(pi.hProcess);
          close_handle(report_read);
          return role::invoker;
        case detail::startup_wait::verdict::failed: return fail(wait.failure(), false);  // it exits now
        default: return fail(wait.failure(), true);  // broken: it cannot be trusted to exit
      }
    }
    if (::WaitForSingleObject(pi.hProcess, 0) == WAIT_OBJECT_0) {
      // Ended: drain a last report that may have raced with its exit.
      if (::PeekNamedPipe(report_read, nullptr, 0, nullptr, &available, nullptr) && available > 0) continue;
      DWORD code = 0;
      ::GetExitCodeProcess(pi.hProcess, &code);
      const std::string text = detail::ended_before_confirming(wait.daemon(), how_it_ended(code));
      return fail(step_status::failure(step::startup, 0, text.c_str()), false);
    }
    if (wait.left().count() <= 0) {
      const std::string text = detail::startup_timeout_text(wait.daemon(), p.success_timeout, "terminated");
      return fail(step_status::failure(step::startup, 0, text.c_str()), true);
    }
    ::Sleep(2);
  }
}

role launch_daemon(plan& p, const stages& st) {
  std_handles stdio;
  if (auto s = open_std_handles(p, stdio); !s.ok()) return refuse(st, s);

  const std::string frames = encode_payload(p) + std::string(st.payload);
  SECURITY_ATTRIBUTES plain{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  HANDLE hand_read = nullptr, hand_write = nullptr, report_read = nullptr, report_write = nullptr;
  // The handoff pipe is big enough for the whole payload: writing it never waits for the daemon.
  const DWORD hand_size = static_cast<DWORD>(std::min<std::size_t>(frames.size() + 4096, 1u << 30));
  if (!::CreatePipe(&hand_read, &hand_write, &plain, hand_size) ||
      !::CreatePipe(&report_read, &report_write, &plain, 0) ||
      !::SetHandleInformation(hand_read, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) ||
      !::SetHandleInformation(report_write, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
    const step_status s = step_status::failure(step::channel, static_cast<int>(::GetLastError()));
    for (HANDLE h : {hand_read, hand_write, report_read, report_write}) close_handle(h);
    return refuse(st, s);
  }
  PROCESS_INFORMATION pi{};
  const step_status created = create_daemon(p, stdio, hand_read, report_write, pi);
  close_handle(hand_read);
  close_handle(report_write);
  if (!created.ok()) {
    close_handle(hand_write);
    close_handle(report_read);
    return refuse(st, created);
  }
  detail::write_all(reinterpret_cast<detail::channel>(hand_write), frames.data(), frames.size());
  close_handle(hand_write);  // EOF: the daemon has it all
  return await_verdict(p, st, pi, report_read);
}

}  // namespace

namespace detail {

// Gone from both Win32's environment and the C runtime's copy.
void forget_handoff_variable() noexcept {
  ::SetEnvironmentVariableW(handoff_variable().c_str(), nullptr);
  ::_wputenv((handoff_variable() + L"=").c_str());
}

}  // namespace detail

role reexec_handoff::launch(plan& p, const stages& st) {
  return is_setup() ? launch_daemon(p, st) : detail::continue_relaunched(p, st);
}

}  // namespace daemoniker

#endif  // defined(_WIN32)
