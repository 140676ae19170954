// daemoniker — start, stop and watch daemons, the way start-stop-daemon, daemonize(1) and
// python-daemon users expect, built on the library:
//
//   daemoniker start   --pidfile P [options] -- PROGRAM ARGS...
//   daemoniker stop    --pidfile P [--signal TERM] [--retry TERM/30/KILL/5]
//   daemoniker status  --pidfile P          (LSB: 0 running, 1 dead, 3 not running, 4 unknown)
//   daemoniker signal  --pidfile P SIGNAL
//   daemoniker reload  --pidfile P          (SIGHUP)
//   daemoniker restart --pidfile P [options] -- PROGRAM ARGS...
//
// Exit status 2 for usage errors (unknown flags, bad values), with a message naming the flag.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>

#include <daemoniker/daemoniker.hpp>

#include "daemoniker/cli/parse.hpp"

namespace {

namespace fs = std::filesystem;
using namespace daemoniker::cli;
using clock_type = std::chrono::steady_clock;

constexpr int kUsage = 2;

struct start_args {
  std::string pidfile, chdir, umask = "027", stdout_path, stderr_path, stdin_path;
  std::vector<int> keep_fds;
  std::string timeout = "30s";
  int ready_fd = -1;
  bool notify = false;
  std::string user, group, chroot;
  std::vector<std::string> command;
};

struct stop_args {
  std::string pidfile, signal = "TERM", retry;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "daemoniker: %s\n", message.c_str());
  std::exit(kUsage);
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Removes a pid file that is unlocked and holds `pid` (a daemon that exec'd another program
// cannot remove its own).
void remove_if_stale(const fs::path& pidfile, long long pid) {
  daemoniker::plan p;
  p.pid_file = fs::absolute(pidfile);
  daemoniker::locked_pid_file{}.reclaim(p, pid);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by " + signal_name(WTERMSIG(status));
  return "ended";
}

// What the program appended to its --stderr file since `from`, for a failure message.
std::string stderr_since(const std::string& path, std::uintmax_t from) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(from));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Finds PROGRAM as execvp() would, to report a missing or non-executable one at once.
std::optional<std::string> program_problem(const std::string& program) {
  auto check = [](const fs::path& p) -> std::optional<std::string> {
    struct stat st {};
    if (::stat(p.c_str(), &st) == -1) return std::string(std::strerror(errno));
    if (S_ISDIR(st.st_mode)) return std::string("it is a directory");
    if (::access(p.c_str(), X_OK) == -1) return std::string(std::strerror(errno));
    return std::nullopt;
  };
  if (program.find('/') != std::string::npos) return check(program);
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t at = 0;
  while (at <= dirs.size()) {
    const std::size_t colon = dirs.find(':', at);
    const std::string dir = dirs.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    if (!check(fs::path(dir.empty() ? "." : dir) / program)) return std::nullopt;
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  return std::string("not found in PATH");
}

int do_start(const start_args& a) {
  std::string error;
  const auto timeout = parse_duration(a.timeout, error);
  if (!timeout) usage_error("--timeout " + error);
  const auto umask = parse_umask(a.umask, error);
  if (!umask) usage_error("--umask " + error);
  if (a.ready_fd != -1 && a.ready_fd < 3) {
    usage_error("--ready-fd " + std::to_string(a.ready_fd) +
                ": fds 0, 1 and 2 are the program's stdio; give 3 or more");
  }
  for (const int fd : a.keep_fds) {
    if (fd == a.ready_fd) {
      usage_error("--ready-fd " + std::to_string(fd) + " is also given to --keep-fd: pick another");
    }
  }
  if (const auto problem = program_problem(a.command.front())) {
    std::fprintf(stderr, "daemoniker: cannot run '%s': %s\n", a.command.front().c_str(),
                 problem->c_str());
    return 1;
  }
  const auto started = clock_type::now();
  std::uintmax_t stderr_size = 0;
  if (!a.stderr_path.empty()) {
    std::error_code ec;
    stderr_size = fs::file_size(a.stderr_path, ec);
    if (ec) stderr_size = 0;
  }

  daemoniker::options opts;
  if (!a.chdir.empty()) opts.chdir = a.chdir;
  if (!a.stdin_path.empty()) opts.stdin_goto = a.stdin_path;
  if (!a.stdout_path.empty()) opts.stdout_goto = a.stdout_path;
  if (!a.stderr_path.empty()) opts.stderr_goto = a.stderr_path;
  opts.umask = *umask;
  opts.shielded_fds = a.keep_fds;
  opts.success_timeout = *timeout;

  // The program's exec() result comes back on a close-on-exec pipe: EOF means it ran.
  int exec_pipe[2], ready_pipe[2] = {-1, -1};
  if (::pipe2(exec_pipe, O_CLOEXEC) == -1 || (a.ready_fd != -1 && ::pipe2(ready_pipe, O_CLOEXEC) == -1)) {
    std::perror("daemoniker: pipe");
    return 1;
  }
  opts.shielded_fds.push_back(exec_pipe[1]);
  if (a.ready_fd != -1) opts.shielded_fds.push_back(ready_pipe[1]);
  // Ctrl-C or a TERM while we wait must not leave a half-started daemon: the signals are
  // held (the daemon's mask is reset by the library) and read from a signalfd below.
  sigset_t interrupts;
  sigemptyset(&interrupts);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&interrupts, sig);
  ::sigprocmask(SIG_BLOCK, &interrupts, nullptr);
  const int interrupted_fd = ::signalfd(-1, &interrupts, SFD_CLOEXEC);
  // --notify: a NOTIFY_SOCKET of our own, on which the program says READY=1 (sd_notify).
  int notify_fd = -1;
  std::string notify_dir, notify_path;
  if (a.notify) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp == '/' ? tmp : "/tmp") + "/daemoniker-notify.XXXXXX";
    // A socket path has at most 107 bytes (sun_path): a deep TMPDIR cannot hold it.
    if (tmpl.size() + std::strlen("/notify") >= sizeof(sockaddr_un::sun_path)) {
      tmpl = "/tmp/daemoniker-notify.XXXXXX";
    }
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("daemoniker: mkdtemp");
      return 1;
    }
    notify_dir = tmpl;
    ::chmod(notify_dir.c_str(), 0755);  // a program running as --user must reach it
    notify_path = notify_dir + "/notify";
    notify_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, notify_path.c_str(), sizeof addr.sun_path - 1);
    if (notify_fd == -1 || ::bind(notify_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == -1) {
      std::perror("daemoniker: cannot create the notify socket");
      return 1;
    }
    ::chmod(notify_path.c_str(), 0666);
  }
  // Removed on every way out of the invoking process, which ends with _exit().
  auto remove_notify_dir = [&] {
    if (!notify_path.empty()) ::unlink(notify_path.c_str());
    if (!notify_dir.empty()) ::rmdir(notify_dir.c_str());
  };
  daemoniker::drop_privileges privileges{.user = a.user, .group = a.group, .chroot = a.chroot};
  if (!a.group.empty() && a.user.empty()) usage_error("--group needs --user");

  // The daemon becomes our child once the intermediate process exits, so that we learn how it
  // ends if it fails before it is ready. We exit as soon as it is, and it goes to init.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  {
    daemoniker::basic_daemonizer<daemoniker::locked_pid_file, daemoniker::redirect_stdio,
                                 daemoniker::auto_sweep, daemoniker::fork_handoff,
                                 daemoniker::drop_privileges>
        ctx{{}, {}, {}, {}, privileges};
    auto [is_parent] = ctx(a.pidfile, opts);
    if (!is_parent) {
      if (notify_fd != -1) ::setenv("NOTIFY_SOCKET", notify_path.c_str(), 1);
      // The daemon: keep the pid file's lock across exec, put the readiness pipe on fd N.
      int held = daemoniker::held_pid_file_descriptor();
      if (held != -1 && held == a.ready_fd) {  // make room for fd N; the lock moves along
        const int moved = ::fcntl(held, F_DUPFD, a.ready_fd + 1);
        ::close(held);
        held = moved;
      }
      if (held != -1) ::fcntl(held, F_SETFD, 0);
      if (a.ready_fd != -1 && ::dup2(ready_pipe[1], a.ready_fd) == -1) {
        const int e = errno;
        (void)::write(exec_pipe[1], &e, sizeof e);
        ::_exit(127);
      }
      std::vector<char*> argv;
      for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      const int e = errno;
      (void)::write(exec_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    // The invoking process: the daemon confirmed (pid file written and locked).
    ::close(exec_pipe[1]);
    if (ready_pipe[1] != -1) ::close(ready_pipe[1]);
    const auto st = daemoniker::inspect_pid_file(a.pidfile);
    const pid_t pid = static_cast<pid_t>(st.pid);
    auto fail = [&](const std::string& what, int code = 1) {
      remove_notify_dir();
      int status = 0;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      remove_if_stale(a.pidfile, pid);
      std::fprintf(stderr, "daemoniker: %s\n", what.c_str());
      std::fflush(nullptr);
      ::_exit(code);
    };
    auto check_interrupt = [&](const struct pollfd& p) {
      if (p.fd == -1 || (p.revents & POLLIN) == 0) return;
      signalfd_siginfo info{};
      (void)::read(interrupted_fd, &info, sizeof info);
      fail("interrupted by " + signal_name(static_cast<int>(info.ssi_signo)) +
               " while '" + a.command.front() + "' was starting; it was stopped",
           128 + static_cast<int>(info.ssi_signo));
    };
    // exec() result: EOF on the close-on-exec pipe means the program runs.
    int exec_error = 0;
    ssize_t n = 0;
    for (;;) {
      struct pollfd p[2] = {{exec_pipe[0], POLLIN, 0}, {interrupted_fd, POLLIN, 0}};
      if (::poll(p, 2, -1) == -1 && errno == EINTR) continue;
      check_interrupt(p[1]);
      n = ::read(exec_pipe[0], &exec_error, sizeof exec_error);
      if (n == -1 && errno == EINTR) continue;
      break;
    }
    if (n == static_cast<ssize_t>(sizeof exec_error)) {
      fail("cannot run '" + a.command.front() + "': " + std::strerror(exec_error));
    }
    if (a.ready_fd != -1 || notify_fd != -1) {
      // Ready when the program writes a line to fd N (the s6 convention) or sends READY=1 to
      // its NOTIFY_SOCKET (sd_notify), before --timeout; EXTEND_TIMEOUT_USEC= moves it.
      const int pidfd = pidfd_open(pid);
      auto deadline = started + *timeout;
      const std::string how = a.ready_fd != -1 ? "on fd " + std::to_string(a.ready_fd) : "READY=1";
      std::string line, status_text, errno_text;
      bool pipe_open = a.ready_fd != -1, ready = false;
      while (!ready) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
          fail("'" + a.command.front() + "' (pid " + std::to_string(pid) +
               ") did not signal readiness " + how + " within " + a.timeout +
               "; it was killed. Raise --timeout if it is legitimately slow");
        }
        struct pollfd p[4] = {{pipe_open ? ready_pipe[0] : -1, POLLIN, 0},
                              {interrupted_fd, POLLIN, 0},
                              {notify_fd, POLLIN, 0},
                              {pidfd, POLLIN, 0}};
        const int r = ::poll(p, 4, static_cast<int>(std::min<long long>(left.count(), 100)));
        if (r == -1 && errno != EINTR) break;
        if (r > 0) check_interrupt(p[1]);
        if (r > 0 && pipe_open && (p[0].revents & (POLLIN | POLLHUP)) != 0) {
          char buf[256];
          const ssize_t got = ::read(ready_pipe[0], buf, sizeof buf);
          if (got > 0) line.append(buf, static_cast<std::size_t>(got));
          if (line.find('\n') != std::string::npos) ready = true;
          if (got == 0) pipe_open = false;  // closed without a line: wait for its end
        }
        if (r > 0 && notify_fd != -1 && (p[2].revents & POLLIN) != 0) {
          char buf[4096];
          const ssize_t got = ::recv(notify_fd, buf, sizeof buf, MSG_DONTWAIT);
          std::string datagram = got > 0 ? std::string(buf, static_cast<std::size_t>(got)) : "";
          for (std::size_t at = 0; at < datagram.size();) {
            const std::size_t end = std::min(datagram.find('\n', at), datagram.size());
            const std::string field = datagram.substr(at, end - at);
            if (field == "READY=1") ready = true;
            if (field.rfind("STATUS=", 0) == 0) status_text = field.substr(7);
            if (field.rfind("ERRNO=", 0) == 0) errno_text = field.substr(6);
            if (field.rfind("EXTEND_TIMEOUT_USEC=", 0) == 0) {
              const auto wanted = clock_type::now() + std::chrono::microseconds(std::strtoll(field.c_str() + 20, nullptr, 10));
              if (wanted > deadline) deadline = wanted;
            }
            at = end + 1;
          }
        }
        int status = 0;
        if (!ready && ::waitpid(pid, &status, WNOHANG) == pid) {
          std::string what = "'" + a.command.front() + "' (pid " + std::to_string(pid) + ") " +
                             describe_status(status) + " before it was ready";
          if (!status_text.empty()) what += ": " + status_text;
          if (!errno_text.empty()) {
            what += " (" + std::generic_category().message(static_cast<int>(std::strtol(errno_text.c_str(), nullptr, 10))) + ")";
          }
          const std::string said = stderr_since(a.stderr_path, stderr_size);
          what += said.empty() ? (a.stderr_path.empty() ? " (pass --stderr FILE to see what it printed)" : "")
                               : "; its stderr:\n" + said;
          remove_if_stale(a.pidfile, pid);
          remove_notify_dir();
          std::fprintf(stderr, "daemoniker: %s\n", what.c_str());
          std::fflush(nullptr);
          ::_exit(1);
        }
      }
      if (pidfd != -1) ::close(pidfd);
    }
    remove_notify_dir();
    std::printf("daemoniker: started '%s' (pid %d)\n", a.command.front().c_str(), pid);
  }  // leaving the context ends this process with status 0
  return 0;
}

int do_stop(const stop_args& a) {
  std::string error;
  const auto signal = parse_signal(a.signal, error);
  if (!signal) usage_error("--signal " + error);
  const auto schedule = parse_schedule(a.retry.empty() ? a.signal + "/30/KILL/5" : a.retry, *signal, error);
  if (!schedule) usage_error(error);

  auto st = daemoniker::inspect_pid_file(a.pidfile);
  if (st.state == daemoniker::pid_file_state::absent) {
    std::printf("daemoniker: not running (no pid file %s)\n", a.pidfile.c_str());
    return 0;
  }
  if (st.state == daemoniker::pid_file_state::unreadable) {
    std::fprintf(stderr, "daemoniker: %s\n", st.error.c_str());
    return 1;
  }
  if (st.state == daemoniker::pid_file_state::stale) {
    // Its daemon is gone; the pid in it may be someone else's now: never signal it.
    remove_if_stale(a.pidfile, st.pid);
    std::printf("daemoniker: not running (stale pid file, pid %lld not signalled; removed)\n", st.pid);
    return 0;
  }
  // The daemon's process group: the program and the children it forked, which inherit (and
  // hold) the pid file's lock. Signals go to the whole group, as systemd's control-group kill
  // does, and the daemon is gone when the lock is released — not merely when its pid exits.
  const pid_t pid = static_cast<pid_t>(st.pid);
  const pid_t group = ::getpgid(pid);
  auto locked = [&] {
    const auto now = daemoniker::inspect_pid_file(a.pidfile);
    return now.state == daemoniker::pid_file_state::running && now.pid == pid;
  };
  auto finished = [&] {
    // The lock is released while the process is still exiting: wait (briefly) until it is gone,
    // so that "stopped" means no process any more.
    if (const int pidfd = pidfd_open(pid); pidfd != -1) {
      struct pollfd p {pidfd, POLLIN, 0};
      while (::poll(&p, 1, 2000) == -1 && errno == EINTR) {
      }
      ::close(pidfd);
    }
    remove_if_stale(a.pidfile, pid);
    std::printf("daemoniker: stopped (pid %d)\n", pid);
    return 0;
  };
  for (std::size_t i = 0; i < schedule->size(); ++i) {
    const auto& step = (*schedule)[i];
    if (step.kind == schedule_step::send) {
      if (!locked()) return finished();  // checked right before: never signal a reused pid
      const bool whole_group = group > 1 && group != ::getpgrp();
      if (::kill(whole_group ? -group : pid, step.signal) == -1 && errno != ESRCH) {
        std::fprintf(stderr, "daemoniker: cannot send %s to pid %d: %s\n",
                     signal_name(step.signal).c_str(), pid, std::strerror(errno));
        return 1;
      }
    } else if (step.kind == schedule_step::wait) {
      const auto deadline = clock_type::now() + step.timeout;
      while (locked() && clock_type::now() < deadline) ::usleep(10'000);
      if (!locked()) return finished();
    } else {  // forever: run the schedule again from the start
      i = static_cast<std::size_t>(-1);
    }
  }
  if (!locked()) return finished();
  std::fprintf(stderr, "daemoniker: pid %d is still running after the schedule %s\n", pid,
               schedule_text(*schedule).c_str());
  return 1;
}

int do_status(const std::string& pidfile) {
  const auto st = daemoniker::inspect_pid_file(pidfile);
  switch (st.state) {
    case daemoniker::pid_file_state::running:
      if (::kill(static_cast<pid_t>(st.pid), 0) == -1 && errno == ESRCH) {
        std::printf("running (pid %lld has exited, but processes it started still hold the "
                    "pid file's lock)\n", st.pid);
        return 0;
      }
      std::printf("running (pid %lld, up %lld s)\n", st.pid, static_cast<long long>(st.uptime.count()));
      return 0;
    case daemoniker::pid_file_state::stale:
      std::printf("dead, but pid file exists (%s, pid %lld)\n", pidfile.c_str(), st.pid);
      return 1;
    case daemoniker::pid_file_state::absent:
      std::printf("not running\n");
      return 3;
    case daemoniker::pid_file_state::unreadable:
      std::printf("unknown: %s\n", st.error.c_str());
      return 4;
  }
  return 4;
}

int do_signal(const std::string& pidfile, const std::string& name) {
  std::string error;
  const auto signal = parse_signal(name, error);
  if (!signal) usage_error("SIGNAL " + error);
  try {
    daemoniker::send(pidfile, *signal);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "daemoniker: %s\n", e.what());
    return 1;
  }
  std::printf("daemoniker: sent %s to pid %lld\n", signal_name(*signal).c_str(),
              daemoniker::inspect_pid_file(pidfile).pid);
  return 0;
}

void add_start_options(CLI::App* cmd, start_args& a) {
  cmd->add_option("--pidfile", a.pidfile, "pid file: holds the daemon's pid and its lock")->required();
  cmd->add_option("--chdir", a.chdir, "working directory of the daemon (default: the current one)");
  cmd->add_option("--umask", a.umask, "file creation mask, octal")->capture_default_str();
  cmd->add_option("--stdout", a.stdout_path, "append the program's stdout to this file (default /dev/null)");
  cmd->add_option("--stderr", a.stderr_path, "append the program's stderr to this file (default /dev/null)");
  cmd->add_option("--stdin", a.stdin_path, "read the program's stdin from this file (default /dev/null)");
  cmd->add_option("--keep-fd", a.keep_fds, "an inherited fd the program keeps (repeatable)")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--timeout", a.timeout, "how long to wait for the program to run (and be ready)")->capture_default_str();
  cmd->add_option("--ready-fd", a.ready_fd, "wait until the program writes a line to this fd (s6)");
  cmd->add_flag("--notify", a.notify, "wait until the program sends READY=1 to $NOTIFY_SOCKET (sd_notify)");
  cmd->add_option("--user", a.user, "run as this user (name or id), with its groups only");
  cmd->add_option("--group", a.group, "run with this group (default: the user's)");
  cmd->add_option("--chroot", a.chroot, "chroot into this directory (--chdir is then inside it)");
  cmd->add_option("command", a.command, "PROGRAM ARGS... (after --)")->required();
}

}  // namespace

int run_command(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return run_command(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "daemoniker: %s\n", e.what());
    return 1;
  }
}

int run_command(int argc, char** argv) {
  CLI::App app{"daemoniker: start, stop and watch daemons (https://example.invalid/daemoniker)"};
  app.require_subcommand(1);
  app.footer("Run 'daemoniker COMMAND --help' for a command's options.");

  start_args start;
  auto* start_cmd = app.add_subcommand("start", "Run PROGRAM as a daemon; exit 0 once it runs (and is ready)");
  add_start_options(start_cmd, start);

  start_args restart;
  stop_args restart_stop;
  auto* restart_cmd = app.add_subcommand("restart", "Stop the daemon if it runs, then start PROGRAM");
  add_start_options(restart_cmd, restart);
  restart_cmd->add_option("--retry", restart_stop.retry, "stop schedule, as for stop");

  stop_args stop;
  auto* stop_cmd = app.add_subcommand("stop", "Stop the daemon; exit 0 once it is gone");
  stop_cmd->add_option("--pidfile", stop.pidfile, "its pid file")->required();
  stop_cmd->add_option("--signal", stop.signal, "the first signal")->capture_default_str();
  stop_cmd->add_option("--retry", stop.retry,
                       "schedule: signals and timeouts in seconds (default SIGNAL/30/KILL/5)");

  std::string status_pidfile;
  auto* status_cmd = app.add_subcommand("status", "Exit 0 running, 1 dead (pid file left), 3 not running, 4 unknown");
  status_cmd->add_option("--pidfile", status_pidfile, "its pid file")->required();

  std::string signal_pidfile, signal_name_arg;
  auto* signal_cmd = app.add_subcommand("signal", "Send SIGNAL to the daemon (only if its pid file is locked)");
  signal_cmd->add_option("--pidfile", signal_pidfile, "its pid file")->required();
  signal_cmd->add_option("SIGNAL", signal_name_arg, "TERM, HUP, USR1, 9, ...")->required();

  std::string reload_pidfile;
  auto* reload_cmd = app.add_subcommand("reload", "Send SIGHUP to the daemon");
  reload_cmd->add_option("--pidfile", reload_pidfile, "its pid file")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }

  if (*start_cmd) return do_start(start);
  if (*stop_cmd) return do_stop(stop);
  if (*status_cmd) return do_status(status_pidfile);
  if (*signal_cmd) return do_signal(signal_pidfile, signal_name_arg);
  if (*reload_cmd) return do_signal(reload_pidfile, "HUP");
  if (*restart_cmd) {
    restart_stop.pidfile = restart.pidfile;
    if (const int stopped = do_stop(restart_stop); stopped != 0) return stopped;
    return do_start(restart);
  }
  return kUsage;
}
