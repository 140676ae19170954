// daemoniker — start, stop and watch daemons, the way start-stop-daemon, daemonize(1) and
// python-daemon users expect, built on the library (docs/cli.md):
//
//   daemoniker start   --pidfile P [options] -- PROGRAM ARGS...
//   daemoniker stop    --pidfile P [--signal TERM] [--retry TERM/30/KILL/5] [--exec|--name|--user]
//   daemoniker status  --pidfile P          (LSB: 0 running, 1 dead, 3 not running, 4 unknown)
//   daemoniker signal  --pidfile P SIGNAL
//   daemoniker reload  --pidfile P          (SIGHUP)
//   daemoniker restart --pidfile P [options] -- PROGRAM ARGS...
//
// Exit status 2 for usage errors (unknown flags, bad values), with a message naming the flag.
// This file parses; start.cc and control.cc act.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "daemoniker/cli/commands.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::cli {

namespace os = detail::os;

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "daemoniker: %s\n", message.c_str());
  std::exit(kUsage);
}

namespace {

// Started with fd 0, 1 or 2 closed, the command's own pipes would take those numbers (and its
// messages would land in them): open /dev/null there first, as daemontools' fd_ensure does.
void ensure_stdio() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (os::fcntl(fd, F_GETFD, 0) == -1 && os::open("/dev/null", O_RDWR, 0) == -1) return;
  }
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
  cmd->add_option("--ready-fd", a.ready_fd,
                  "wait until the program writes a line to this fd (s6); under a supervisor, "
                  "the supervisor's own notification fd, passed through");
  cmd->add_flag("--notify", a.notify,
                "wait until the program sends READY=1 to $NOTIFY_SOCKET (sd_notify); under "
                "systemd, systemd's own socket, passed through");
  cmd->add_option("--detach", a.detach,
                  "auto: fork unless a supervisor or container init runs us; always; never "
                  "(exec in place, as under a supervisor)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  cmd->add_option("--user", a.user, "run as this user (name or id), with its groups only");
  cmd->add_option("--group", a.group, "run with this group (default: the user's)");
  cmd->add_option("--chroot", a.chroot, "chroot into this directory (--chdir is then inside it)");
  cmd->add_option("command", a.command, "PROGRAM ARGS... (after --)")->required();
}

// --exec, --name, --user: who the process named by a pid file that is not locked must be.
void add_match_options(CLI::App* cmd, control_args& a) {
  cmd->add_option("--pidfile", a.pidfile, "its pid file")->required();
  cmd->add_option("--exec", a.match.exec,
                  "for a pid file that is not locked (start-stop-daemon's): the process runs this executable");
  cmd->add_option("--name", a.match.name, "... the process has this name (/proc/PID/comm)");
  cmd->add_option("--user", a.match.user, "... the process runs as this user (name or id)");
}

std::vector<schedule_step> stop_schedule(const stop_args& a) {
  std::string error;
  const auto signal = parse_signal(a.signal, error);
  if (!signal) usage_error("--signal " + error);
  const auto schedule = parse_schedule(a.retry.empty() ? a.signal + "/30/KILL/5" : a.retry, *signal, error);
  if (!schedule) usage_error(error);
  return *schedule;
}

int run_command(int argc, char** argv) {
  CLI::App app{"daemoniker: start, stop and watch daemons"};
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
  restart_cmd->add_option("--exec", restart_stop.match.exec, "for stopping, as for stop");
  restart_cmd->add_option("--name", restart_stop.match.name, "for stopping, as for stop");
  restart_cmd->add_option("--kill-mode", restart_stop.kill_mode, "for stopping, as for stop")
      ->check(CLI::IsMember({"family", "process"}));

  stop_args stop;
  auto* stop_cmd = app.add_subcommand("stop", "Stop the daemon; exit 0 once it is gone");
  add_match_options(stop_cmd, stop);
  stop_cmd->add_option("--signal", stop.signal, "the first signal")->capture_default_str();
  stop_cmd->add_option("--retry", stop.retry,
                       "schedule: signals and timeouts in seconds (default SIGNAL/30/KILL/5)");
  stop_cmd->add_option("--kill-mode", stop.kill_mode,
                       "family: the daemon, what holds its lock and their descendants; process: "
                       "the daemon's pid only (sshd-like daemons whose children must survive)")
      ->check(CLI::IsMember({"family", "process"}))
      ->capture_default_str();

  control_args status;
  auto* status_cmd = app.add_subcommand("status", "Exit 0 running, 1 dead (pid file left), 3 not running, 4 unknown");
  add_match_options(status_cmd, status);

  control_args signal;
  std::string signal_name_arg;
  auto* signal_cmd = app.add_subcommand("signal", "Send SIGNAL to the daemon (only one verified as the pid file's)");
  add_match_options(signal_cmd, signal);
  signal_cmd->add_option("SIGNAL", signal_name_arg, "TERM, HUP, USR1, 9, ...")->required();

  control_args reload;
  auto* reload_cmd = app.add_subcommand("reload", "Send SIGHUP to the daemon");
  add_match_options(reload_cmd, reload);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }

  if (*start_cmd) return do_start(start);
  if (*stop_cmd) return do_stop(stop, stop_schedule(stop));
  if (*status_cmd) return do_status(status);
  if (*signal_cmd) {
    std::string error;
    const auto sig = parse_signal(signal_name_arg, error);
    if (!sig) usage_error("SIGNAL " + error);
    return do_signal(signal, *sig);
  }
  if (*reload_cmd) return do_signal(reload, SIGHUP);
  if (*restart_cmd) {
    restart_stop.pidfile = restart.pidfile;
    if (const int stopped = do_stop(restart_stop, stop_schedule(restart_stop)); stopped != 0) return stopped;
    return do_start(restart);
  }
  return kUsage;
}

}  // namespace
}  // namespace daemoniker::cli

int main(int argc, char** argv) {
  daemoniker::cli::ensure_stdio();
  try {
    return daemoniker::cli::run_command(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "daemoniker: %s\n", e.what());
    return 1;
  }
}
