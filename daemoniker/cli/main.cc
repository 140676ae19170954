// daemoniker — start, stop and watch daemons, the way start-stop-daemon, daemonize(1) and
// python-daemon users expect, built on the library (docs/cli.md):
//
//   daemoniker start   --pidfile P [options] -- PROGRAM ARGS...
//   daemoniker stop    --pidfile P [--signal TERM] [--retry TERM/30/KILL/5] [--exec|--name|--user]
//   daemoniker status  --pidfile P [--json] (LSB: 0 running, 1 dead, 3 not running, 4 unknown)
//   daemoniker signal  --pidfile P SIGNAL
//   daemoniker reload  --pidfile P          (SIGHUP)
//   daemoniker restart --pidfile P [options] -- PROGRAM ARGS...
//   daemoniker --version
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
#include <daemoniker/version.hpp>

#include "daemoniker/cli/commands.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::cli {

namespace os = detail::os;

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "daemoniker: %s\n", message.c_str());
  std::exit(kUsage);
}

namespace {

// --pidfile '' is a usage error (status 2), not a file that is not there.
CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() ? std::string("an empty path: name the pid file") : std::string(); },
      "");
}

// Started with fd 0, 1 or 2 closed, the command's own pipes would take those numbers (and its
// messages would land in them): open /dev/null there first, as daemontools' fd_ensure does.
void ensure_stdio() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (os::fcntl(fd, F_GETFD, 0) == -1 && os::open("/dev/null", O_RDWR, 0) == -1) return;
  }
}

void add_start_options(CLI::App* cmd, start_args& a) {
  cmd->add_option("--pidfile", a.pidfile, "pid file: holds the daemon's pid and its lock")
      ->required()
      ->check(non_empty_path());
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
  cmd->add_option("--pidfile", a.pidfile, "its pid file")->required()->check(non_empty_path());
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

// Every subcommand's values, and which subcommand was given.
struct command_line {
  start_args start, restart;
  stop_args stop, restart_stop;
  status_args status;
  control_args signal, reload;
  std::string signal_name;
  CLI::App *start_cmd = nullptr, *restart_cmd = nullptr, *stop_cmd = nullptr,
           *status_cmd = nullptr, *signal_cmd = nullptr, *reload_cmd = nullptr;
};

void define_restart(CLI::App* cmd, command_line& c) {
  add_start_options(cmd, c.restart);
  cmd->add_option("--retry", c.restart_stop.retry, "stop schedule, as for stop");
  cmd->add_option("--exec", c.restart_stop.match.exec, "for stopping, as for stop");
  cmd->add_option("--name", c.restart_stop.match.name, "for stopping, as for stop");
  cmd->add_option("--kill-mode", c.restart_stop.kill_mode, "for stopping, as for stop")
      ->check(CLI::IsMember({"family", "process"}));
}

void define_stop(CLI::App* cmd, command_line& c) {
  add_match_options(cmd, c.stop);
  cmd->add_option("--signal", c.stop.signal, "the first signal")->capture_default_str();
  cmd->add_option("--retry", c.stop.retry,
                  "schedule: signals and timeouts in seconds (default SIGNAL/30/KILL/5)");
  cmd->add_option("--kill-mode", c.stop.kill_mode,
                  "family: the daemon, what holds its lock and their descendants; process: "
                  "the daemon's pid only (sshd-like daemons whose children must survive)")
      ->check(CLI::IsMember({"family", "process"}))
      ->capture_default_str();
}

void define_status(CLI::App* cmd, command_line& c) {
  add_match_options(cmd, c.status);
  cmd->add_flag("--json", c.status.json,
                "print one JSON object (pid_file, state, pid, verified, uptime_seconds, "
                "lock_holders, session, error) instead of a sentence; same exit status");
}

void define_signal(CLI::App* cmd, command_line& c) {
  add_match_options(cmd, c.signal);
  cmd->add_option("SIGNAL", c.signal_name, "TERM, HUP, USR1, 9, ...")->required();
}

// The sub-command this command line names: its first word that is not an option (the command
// has no top-level option that takes a value), or "" when there is none.
std::string named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return {};
}

// Every sub-command, with its options for the one named only: building
// CLI11's options is most of what the command costs to start, and only the named one's are
// ever parsed. The others stay, without options, for their names in --help and in errors.
void define_commands(CLI::App& app, command_line& c, const std::string& named) {
  const auto define = [&](CLI::App*& cmd, const char* name, const char* what, auto options) {
    cmd = app.add_subcommand(name, what);
    if (named == name) options(cmd);
  };
  define(c.start_cmd, "start", "Run PROGRAM as a daemon; exit 0 once it runs (and is ready)",
         [&](CLI::App* cmd) { add_start_options(cmd, c.start); });
  define(c.restart_cmd, "restart", "Stop the daemon if it runs, then start PROGRAM",
         [&](CLI::App* cmd) { define_restart(cmd, c); });
  define(c.stop_cmd, "stop", "Stop the daemon; exit 0 once it is gone",
         [&](CLI::App* cmd) { define_stop(cmd, c); });
  define(c.status_cmd, "status", "Exit 0 running, 1 dead (pid file left), 3 not running, 4 unknown",
         [&](CLI::App* cmd) { define_status(cmd, c); });
  define(c.signal_cmd, "signal", "Send SIGNAL to the daemon (only one verified as the pid file's)",
         [&](CLI::App* cmd) { define_signal(cmd, c); });
  define(c.reload_cmd, "reload", "Send SIGHUP to the daemon",
         [&](CLI::App* cmd) { add_match_options(cmd, c.reload); });
}

int dispatch(command_line& c) {
  if (*c.start_cmd) return do_start(c.start);
  if (*c.stop_cmd) return do_stop(c.stop, stop_schedule(c.stop));
  if (*c.status_cmd) return do_status(c.status);
  if (*c.signal_cmd) {
    std::string error;
    const auto sig = parse_signal(c.signal_name, error);
    if (!sig) usage_error("SIGNAL " + error);
    return do_signal(c.signal, *sig);
  }
  if (*c.reload_cmd) return do_signal(c.reload, SIGHUP);
  if (*c.restart_cmd) {
    c.restart_stop.pidfile = c.restart.pidfile;
    if (const int stopped = do_stop(c.restart_stop, stop_schedule(c.restart_stop)); stopped != 0) return stopped;
    return do_start(c.restart);
  }
  return kUsage;
}

int run_command(int argc, char** argv) {
  CLI::App app{"daemoniker: start, stop and watch daemons"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "daemoniker " DAEMONIKER_VERSION, "print 'daemoniker VERSION' and exit");
  app.footer("Run 'daemoniker COMMAND --help' for a command's options, 'man daemoniker' for the manual\n"
             "(docs/cli.md in the source).");
  command_line c;
  define_commands(app, c, named_command(argc, argv));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }
  return dispatch(c);
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
