// How a failure is told to a person: the step's name, the one line daemonize() prints, its exit
// status. One text for POSIX and Windows (only the errno/Win32 texts differ). Invoking process
// only (allocates).
#include "daemoniker/src/messages.hpp"
#include "daemoniker/src/signal_safe_text.hpp"

#if defined(_WIN32)
#include "daemoniker/src/windows/win32.hpp"
#else
#include <string.h>  // sigabbrev_np, sigdescr_np
#include <sys/wait.h>
#endif

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

namespace daemoniker::detail {

const char* step_name(step s) noexcept {
  switch (s) {
    case step::none: return "no step";
    case step::options: return "invalid options";
    case step::channel: return "error channel";
    case step::fork: return "fork";
    case step::sweep: return "fd sweep";
    case step::signals: return "signal reset";
    case step::setsid: return "setsid";
    case step::second_fork: return "second fork";
    case step::chdir: return "chdir";
    case step::stdin_redirect: return "stdin redirect";
    case step::stdout_redirect: return "stdout redirect";
    case step::stderr_redirect: return "stderr redirect";
    case step::pid_file: return "pid file";
    case step::privileges: return "privileges";
    case step::already_running: return "pid file";
    case step::handoff: return "handoff";
    case step::confirm: return "confirmation";
    case step::startup: return "startup";
    case step::policy: return "policy";
    case step::rejected: return "startup";
  }
  return "unknown step";
}

std::string failure_line(const step_status& status, const plan& p, int& exit_status) {
  if (status.failed == step::rejected) {
    step_status s = status;
    s.subject[sizeof s.subject - 1] = '\0';
    exit_status = s.detail > 0 && s.detail < 256 ? static_cast<int>(s.detail) : 1;
    return "the daemon (pid " + std::to_string(p.daemon_pid) + ") could not start: " + s.subject;
  }
  exit_status = status.failed == step::options ? 2 : 1;
  return "cannot daemonize: " + describe(status, p);
}

std::string the_daemon(long long pid) {
  return pid > 0 ? "the daemon (pid " + std::to_string(pid) + ")" : "the daemon";
}

std::string ended_before_confirming(long long pid, const std::string& how) {
  return the_daemon(pid) + " " + how + " before confirming startup";
}

std::string startup_timeout_text(long long pid, std::chrono::milliseconds timeout, const char* fate) {
  return the_daemon(pid) + " did not confirm startup within " + seconds_text(timeout) + " and was " +
         fate + "; raise options::success_timeout if its startup is legitimately slow";
}

std::string path_text(const std::filesystem::path& path) {
  const std::u8string utf8 = path.u8string();
  const std::string text(reinterpret_cast<const char*>(utf8.data()), utf8.size());
  char elided[2 * kPathInMessages];
  return fixed_text(elided, sizeof elided).add_elided(text.c_str(), kPathInMessages).c_str();
}

#if !defined(_WIN32)
namespace {

std::string signal_text(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  const char* description = ::sigdescr_np(sig);
  return (abbrev != nullptr ? "SIG" + std::string(abbrev) : "signal " + std::to_string(sig)) +
         " (" + (description != nullptr ? description : "unknown signal") + ")";
}

}  // namespace

std::string how_it_ended(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "was killed by " + signal_text(WTERMSIG(wait_status));
  return "ended";
}
#endif

step_status check_pid_path(const std::filesystem::path& path, const char* example) {
  if (path.empty()) {
    return step_status::failure(step::options, 0,
                                ("the pid file path is empty: pass a path such as " +
                                 std::string(example) + ", or use daemoniker::no_pid_file")
                                    .c_str());
  }
  if (!path.has_filename()) {  // "/run/", "C:\\ProgramData\\"
    return step_status::failure(step::options, 0,
                                ("the pid file path '" + path_text(path) +
                                 "' names a directory: add a file name, such as myapp.pid")
                                    .c_str());
  }
  return {};
}

step_status unusable_pid_directory(const std::filesystem::path& dir, int error) {
  return step_status::failure(
      step::pid_file, error,
      ("the pid file's directory '" + path_text(dir) + "' is not usable: create it first").c_str());
}

namespace {

std::string quoted(const char* s) { return std::string("'") + s + "'"; }

std::string redirect_fix(int error, const char* option) {
#if defined(_WIN32)
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return "its directory does not exist: create it, or fix options::" +
                                      std::string(option);
    case ERROR_ACCESS_DENIED: return "the daemon may not open it (or it is a directory): fix "
                                     "its permissions, or choose another path for options::" +
                                     std::string(option);
    default: return "fix options::" + std::string(option);
  }
#endif
  switch (error) {
    case EISDIR: return "it is a directory: name a file in it instead";
    case ENOENT: return "its directory does not exist: create it, or fix options::" +
                        std::string(option);
    case EACCES:
    case EPERM: return "the daemon may not open it: fix its permissions, or choose another "
                       "path for options::" + std::string(option);
    case ENXIO: return "it is a FIFO with no reader: start the reader first";
    case EROFS: return "the filesystem is read-only: choose another path";
    default: return "fix options::" + std::string(option);
  }
}

}  // namespace

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  if (ms.count() % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms.count() / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms.count()) / 1000.0);
  }
  return buf;
}

// The text of an error number: errno on POSIX, a Win32 error code on Windows.
std::string error_text(int error) {
#if defined(_WIN32)
  char* text = nullptr;
  const DWORD n = ::FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(error), 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string out = n > 0 ? std::string(text, n) : "error " + std::to_string(error);
  if (text != nullptr) ::LocalFree(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == '.')) {
    out.pop_back();
  }
  return out + " (error " + std::to_string(error) + ")";
#else
  // strerror() may return a buffer shared between threads; the invoking process may run
  // threads (fork_handoff{.allow_threads = true}, reexec_handoff).
  return std::generic_category().message(error);
#endif
}

std::string describe(const step_status& status, const plan& p) {
  // A user-written policy may have filled `subject` without a terminating NUL.
  step_status s = status;
  s.subject[sizeof s.subject - 1] = '\0';
  std::string what;
  const std::string err = s.error != 0 ? ": " + error_text(s.error) : "";
  switch (s.failed) {
    case step::none:
      return "no failure";
    case step::options:
    case step::startup:
    case step::handoff:
    case step::policy:
    case step::rejected:
      what = s.subject;
      if (!err.empty()) what += err;
      break;
    case step::channel:
      what = "cannot create the channel to the daemon" + err;
      break;
    case step::fork:
    case step::second_fork:
      if (s.error == 0 && s.subject[0] != '\0') {  // refused, not failed
        what = s.subject;
        break;
      }
      what = "fork() failed" + err +
             "; the process limit (ulimit -u) or memory is exhausted: retry, or raise it";
      break;
    case step::sweep:
      what = std::string("closing inherited file descriptors failed (") + s.subject + ")" + err +
             "; choose another FdPolicy, such as daemoniker::brute_force_sweep";
      break;
    case step::signals:
      what = "resetting signal dispositions failed" + err;
      break;
    case step::setsid:
      what = "setsid() failed" + err;
      break;
    case step::chdir:
      what = "cannot change directory to " + quoted(s.subject) + err +
             "; pass an existing, searchable directory as options::chdir";
      break;
    case step::stdin_redirect:
    case step::stdout_redirect:
    case step::stderr_redirect: {
      const bool in = s.failed == step::stdin_redirect;
      const char* option = in ? "stdin_goto" : s.failed == step::stdout_redirect ? "stdout_goto"
                                                                                 : "stderr_goto";
      what = std::string("cannot open ") + option + " " + quoted(s.subject) +
             (in ? " for reading" : " for appending") + err + "; " + redirect_fix(s.error, option);
      break;
    }
    case step::pid_file:
    case step::privileges:
      what = s.subject + err;
      break;
    case step::already_running:
      what = "already running (pid " + (s.detail > 0 ? std::to_string(s.detail) : "unknown") +
             "): " + quoted(p.pid_file.empty() ? s.subject : p.pid_file.string().c_str()) +
             " is locked by it; stop that daemon first, or use another pid file";
      break;
    case step::confirm:
      what = "the daemon could not confirm startup" + err;
      break;
  }
  return std::string(step_name(s.failed)) + ": " + what;
}

}  // namespace daemoniker::detail
