// A Windows program that daemonizes (the default handoff there re-launches it), for
// tests/windows_test.cc, which observes it from outside under Wine.
//
//   win_probe DIR SCENARIO [ARGS...]
//
// Every run appends "run <pid> setup=<0|1>" to DIR\runs. The daemon writes DIR\observed
// (key=value lines) and runs until DIR\stop exists, then returns from main (removing its pid
// file). Scenarios: daemonize, context, strip, fail, hang, exit2, child, signals, try, try-fail.
#include <windows.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <daemoniker/daemoniker.hpp>

namespace {

namespace fs = std::filesystem;

enum class level : short { low = -1, high = 300 };
// A user's own FdPolicy (not POSIX-only): it must run on Windows too, in the daemon. It
// records the pid it ran in next to the pid file.
struct recording_sweep {
  daemoniker::step_status sweep(const daemoniker::plan& p) const noexcept {
    const std::wstring line = std::to_wstring(GetCurrentProcessId());
    const fs::path where = p.pid_file.parent_path() / L"swept";
    HANDLE h = CreateFileW(where.c_str(), FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ, nullptr, OPEN_ALWAYS, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) return daemoniker::step_status::failure(daemoniker::step::sweep, 1, "swept");
    DWORD n = 0;
    const std::string text(line.begin(), line.end());
    WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &n, nullptr);
    CloseHandle(h);
    return {};
  }
};

struct inner {
  std::string label;
  std::optional<double> weight;
};
struct settings {
  int workers = 0;
  level lvl = level::low;
  std::vector<inner> items;
  std::map<std::string, std::vector<int>> tables;
  fs::path root;
  std::array<bool, 2> flags{};
};

settings sample() {
  return {8, level::high, {{"a b", 0.5}, {"", std::nullopt}}, {{"k", {1, -2}}},
          fs::path("C:\\srv\\x y"), {true, false}};
}

std::string describe(const settings& s) {
  std::string out = std::to_string(s.workers) + ";" + std::to_string(static_cast<int>(s.lvl)) + ";";
  for (const auto& i : s.items) {
    out += i.label + "/" + (i.weight ? std::to_string(*i.weight) : std::string("none")) + ",";
  }
  for (const auto& [k, v] : s.tables) {
    out += k + "=";
    for (int x : v) out += std::to_string(x) + " ";
  }
  out += ";" + s.root.string() + ";" + std::to_string(s.flags[0]) + std::to_string(s.flags[1]);
  return out;
}

std::string narrow(const std::wstring& w) {
  std::string out;
  for (wchar_t c : w) out += static_cast<char>(c < 128 ? c : '?');
  return out;
}

[[noreturn]] void report_and_wait(const fs::path& dir, std::map<std::string, std::string> o,
                                  const std::vector<std::wstring>& argv) {
  o["pid"] = std::to_string(GetCurrentProcessId());
  wchar_t cwd[MAX_PATH] = {};
  GetCurrentDirectoryW(MAX_PATH, cwd);
  o["cwd"] = narrow(cwd);
  o["handoff_env"] = GetEnvironmentVariableW(L"DAEMONIKER_HANDOFF", nullptr, 0) > 0 ? "present"
                                                                                     : "absent";
  std::string args;
  for (std::size_t i = 0; i < argv.size(); ++i) args += (i ? "|" : "") + narrow(argv[i]);
  o["argv"] = args;
  {
    std::ofstream out(dir / "observed.tmp", std::ios::binary);
    for (const auto& [k, v] : o) out << k << "=" << v << "\n";
  }
  fs::rename(dir / "observed.tmp", dir / "observed");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(dir / "stop") && std::chrono::steady_clock::now() < give_up) Sleep(10);
  std::exit(0);  // normal exit: the pid file is deleted
}

}  // namespace

int wmain(int argc, wchar_t** wargv) {
  std::vector<std::wstring> argv(wargv, wargv + argc);
  daemoniker::daemonizer probe_ctx;
  const bool setup = probe_ctx.is_setup();
  // With strip_cmd_args the daemon has no arguments: DIR crosses as a preserved argument.
  if (argc < 3 && setup) return 64;
  const fs::path dir = argc >= 3 ? fs::path(argv[1]) : fs::path();
  const std::wstring scenario = argc >= 3 ? argv[2] : L"strip";
  if (scenario == L"child") {  // the daemon's child: prints through inherited std handles
    std::printf("child printf\n");
    std::fflush(stdout);
    DWORD n = 0;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), "child stderr\n", 13, &n, nullptr);
    return 0;
  }
  if (!dir.empty()) {
    std::ofstream(dir / "runs", std::ios::app | std::ios::binary)
        << "run " << GetCurrentProcessId() << " setup=" << setup << "\n";
  }
  daemoniker::options opts{.chdir = dir.empty() ? fs::path() : dir / "work",
                           .stdout_goto = dir / "out.log", .stderr_goto = dir / "out.log"};
  if (dir.empty()) opts = {};
  if (scenario == L"strip") opts.strip_cmd_args = true;
  if (scenario == L"fail") opts.chdir = dir / "missing";
  if (scenario == L"hang") opts.success_timeout = std::chrono::milliseconds(1500);
  if (!setup && scenario == L"hang") Sleep(30000);
  if (!setup && scenario == L"exit2") std::exit(2);  // Python's daemoniker took 2 for success

  if (scenario == L"try" || scenario == L"try-fail") {  // try_daemonize: the caller carries on
    if (scenario == L"try-fail") opts.chdir = dir / "missing";
    auto r = daemoniker::try_daemonize(dir / "app.pid", opts, dir.wstring());
    if (!r) {
      std::ofstream(dir / "carried-on", std::ios::binary)
          << "step=" << r.error().step << "\ncode=" << r.error().code.value()
          << "\nexit=" << r.error().exit_status << "\nmessage=" << r.error().message << "\n";
      return 7;  // e.g. run in the foreground instead
    }
    if (!r.is_daemon()) {
      std::ofstream(dir / "carried-on", std::ios::binary) << "daemon_pid=" << r.daemon_pid() << "\n";
      return 0;
    }
    auto [where] = r.values();
    report_and_wait(fs::path(where), {}, argv);
  }

  if (scenario == L"own-sweep") {
    auto [where] = daemoniker::daemonizer_with<recording_sweep>{}.daemonize(dir / "app.pid", opts, dir.wstring());
    report_and_wait(fs::path(where), {}, argv);
  }

  if (scenario == L"dir-pid") {  // a pid file path that names a directory: refused up front
    daemoniker::daemonize(dir / L"pids\\", opts, dir.wstring());
    return 0;
  }

  if (scenario == L"signals") {  // signal_handler over named events, driven by send()
    auto [where] = daemoniker::daemonize(dir / "app.pid", opts, dir.wstring());
    const fs::path d(where);
    daemoniker::signal_handler signals;
    signals.on_reload([&](int) { std::ofstream(d / "trace", std::ios::app | std::ios::binary) << "reloaded\n"; });
    signals.start();
    std::ofstream(d / "observed.tmp", std::ios::binary) << "pid=" << GetCurrentProcessId() << "\n";
    fs::rename(d / "observed.tmp", d / "observed");
    const int sig = signals.wait();
    std::ofstream(d / "trace", std::ios::app | std::ios::binary) << "stopped by " << sig << "\n";
    return 0;  // normal exit: the pid file is deleted
  }

  if (scenario == L"context") {
    settings s;
    {
      daemoniker::daemonizer ctx;
      if (ctx.is_setup()) s = sample();
      auto [is_parent, got] = ctx(dir / "app.pid", opts, s);
      if (is_parent) {
        std::ofstream(dir / "parent", std::ios::app | std::ios::binary) << "parent workers=" << got.workers << "\n";
      } else {
        s = std::move(got);
      }
    }
    report_and_wait(dir, {{"settings", describe(s)}}, argv);
  }

  auto [s, where] = daemoniker::daemonize(dir / "app.pid", opts, sample(), dir.wstring());
  std::printf("daemon printf\n");
  std::fflush(stdout);
  std::fprintf(stderr, "daemon stderr\n");
  std::fflush(stderr);
  // A child process started the plain way inherits the daemon's standard handles.
  STARTUPINFOW si{};
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION pi{};
  wchar_t module[MAX_PATH] = {};
  GetModuleFileNameW(nullptr, module, MAX_PATH);
  std::wstring line = L"\"" + std::wstring(module) + L"\" \"" + where + L"\" child";
  if (CreateProcessW(module, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi)) {
    WaitForSingleObject(pi.hProcess, 10000);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
  }
  report_and_wait(fs::path(where), {{"settings", describe(s)}}, argv);
}
