// start: run PROGRAM as a daemon with the library, then exec it (same pid, same lock).
//
// Two ways, decided before anything is created:
//   - detached (the usual case): daemonize — double fork, new session — and wait in the
//     invoking process until PROGRAM runs (and is ready, with --ready-fd or --notify); any
//     failure ends the whole new session and removes the pid file;
//   - supervised (runsv, s6-supervise, supervise, systemd's NOTIFY_SOCKET or socket activation
//     for this pid): no fork. The pid file is written and locked, then PROGRAM is exec'd in place
//     and sees exactly what the supervisor gave: signal mask, dispositions, its notification fd,
//     NOTIFY_SOCKET, and LISTEN_FDS/LISTEN_FDNAMES with LISTEN_PID = its pid. Readiness is the
//     program's own business there: the command never reports it on its behalf.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <daemoniker/daemoniker.hpp>
#include "daemoniker/src/identity.hpp"

#include "daemoniker/cli/commands.hpp"
#include "daemoniker/src/descriptors.hpp"
#include "daemoniker/src/messages.hpp"
#include "daemoniker/src/listen_pid.hpp"
#include "daemoniker/src/sys.hpp"

namespace daemoniker::cli {

namespace os = detail::os;
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

using start_context = basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep,
                                       await_ready<fork_handoff>, drop_privileges>;

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

// Finds PROGRAM as execvp() would — inside the chroot when there is one, where it will run.
// The path found (outside the chroot), or the problem in `problem` to report at once.
std::string find_program(const std::string& program, const std::string& chroot, std::string& problem) {
  const fs::path root = chroot.empty() ? fs::path("/") : fs::path(chroot);
  if (program.find('/') != std::string::npos) {
    if (!chroot.empty() && program.front() != '/') return "";  // relative to --chdir, inside
    const fs::path p(program);
    problem = detail::not_runnable(p.is_absolute() ? root / p.relative_path() : p);
    return (root / p.relative_path()).string();
  }
  std::string found = detail::find_in_path(program, root);
  if (found.empty()) {
    problem = chroot.empty() ? "not found in PATH" : "not found in PATH inside " + chroot;
  }
  return found;
}

// A pid file that a tool without locks wrote (start-stop-daemon) whose live pid runs PROGRAM
// itself: that is PROGRAM running already, and starting over it would run a second copy.
bool running_unlocked(const start_args& a, const std::string& program) {
  if (program.empty()) return false;
  const auto e = detail::examine(a.pidfile, process_match{.exec = program, .name = {}, .user = {}});
  if (e.status.state != pid_file_state::running || !e.status.verified || !e.status.lock_holders.empty()) {
    return false;
  }
  std::fprintf(stderr,
               "daemoniker: already running (pid %lld): '%s' is not locked, but pid %lld runs "
               "%s — a tool that does not lock pid files started it. Stop it first "
               "(daemoniker stop --pidfile %s --exec %s), or use another pid file\n",
               e.status.pid, a.pidfile.c_str(), e.status.pid, program.c_str(), a.pidfile.c_str(),
               program.c_str());
  return true;
}

// Everything `fd` gives until EOF (a short message on a pipe).
std::string read_all(int fd) {
  std::string out;
  char buf[512];
  for (;;) {
    const ssize_t n = os::read(fd, buf, sizeof buf);
    if (n == -1 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  os::close(fd);
  return out;
}

options make_options(const start_args& a, unsigned umask, std::chrono::milliseconds timeout) {
  options opts;
  if (!a.chdir.empty()) opts.chdir = a.chdir;
  if (!a.stdin_path.empty()) opts.stdin_goto = a.stdin_path;
  if (!a.stdout_path.empty()) opts.stdout_goto = a.stdout_path;
  if (!a.stderr_path.empty()) opts.stderr_goto = a.stderr_path;
  opts.umask = umask;
  opts.shielded_fds = a.keep_fds;
  opts.success_timeout = timeout;
  return opts;
}

start_context make_context(const start_args& a, detach_mode detach) {
  await_ready<fork_handoff> handoff;
  handoff.detach = detach;
  return start_context{{}, {}, {}, handoff,
                       drop_privileges{.user = a.user, .group = a.group, .chroot = a.chroot}};
}

// In the daemon: keep the pid file's lock (`held`) across exec, and run PROGRAM. Returns the
// error, only on failure.
int exec_program(const start_args& a, int held) {
  if (held != -1) os::fcntl(held, F_SETFD, 0);
  std::vector<char*> argv;
  for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  os::execvp(argv[0], argv.data());
  return errno;
}

// The activation variables, as systemd-socket-activate or systemd gave them to this pid.
struct activation {
  std::optional<std::string> fds, names;
  static activation take() {
    activation v;
    if (!detail::listen_pid_is_ours()) return v;
    if (const char* f = std::getenv("LISTEN_FDS")) v.fds = f;
    if (const char* n = std::getenv("LISTEN_FDNAMES")) v.names = n;
    return v;
  }
  void give_back() const {  // same pid after exec: the program is who they were meant for
    if (!fds) return;
    ::setenv("LISTEN_PID", std::to_string(os::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", fds->c_str(), 1);
    if (names) ::setenv("LISTEN_FDNAMES", names->c_str(), 1);
  }
};

int start_supervised(const start_args& a, const options& opts) {
  if (a.ready_fd != -1 && os::fcntl(a.ready_fd, F_GETFD, 0) == -1) {
    // Nobody listens for readiness here (a container's init, a supervisor without a
    // notification fd): the program's write to fd N fails harmlessly; say so and go on.
    std::fprintf(stderr,
                 "daemoniker: note: --ready-fd %d is not open, so no supervisor waits for "
                 "readiness here (s6 would pass its notification-fd); running the program anyway\n",
                 a.ready_fd);
  }
  const activation passed = activation::take();
  start_context ctx = make_context(a, detach_mode::never);
  auto [is_parent] = ctx(a.pidfile, opts);
  (void)is_parent;  // never forks: this is the supervisor's child, and becomes PROGRAM
  passed.give_back();
  const int error = exec_program(a, held_pid_file_descriptor());
  std::fprintf(stderr, "daemoniker: cannot run '%s': %s\n", a.command.front().c_str(), std::strerror(error));
  release_pid_file();
  std::fflush(nullptr);
  std::_Exit(1);
}

// The invoking process of a detached start, from the daemon's confirmation on.
class start_watch {
 public:
  start_watch(const start_args& a, long long pid) : a_(a), pid_(static_cast<pid_t>(pid)) {
    sid_ = detail::session_of(pid_);  // our child (we are its subreaper): safe until reaped
  }

  // Ends everything the start made — PROGRAM and whatever it started — removes the pid file,
  // says why, and exits.
  [[noreturn]] void fail(const std::string& what, int code = 1) {
    end_everything();
    std::fprintf(stderr, "daemoniker: %s\n", what.c_str());
    std::fflush(nullptr);
    std::_Exit(code);
  }

  // The program exited by itself before it was ready: report how, with its stderr.
  [[noreturn]] void died(int status, const std::string& status_text, const std::string& errno_text,
                         std::uintmax_t stderr_size) {
    std::string what = "'" + a_.command.front() + "' (pid " + std::to_string(pid_) + ") " +
                       detail::how_it_ended(status) + " before it was ready";
    if (!status_text.empty()) what += ": " + status_text;
    if (!errno_text.empty()) {
      what += " (" + std::generic_category().message(static_cast<int>(std::strtol(errno_text.c_str(), nullptr, 10))) + ")";
    }
    const std::string said = stderr_since(a_.stderr_path, stderr_size);
    what += said.empty() ? (a_.stderr_path.empty() ? " (pass --stderr FILE to see what it printed)" : "")
                         : "; its stderr:\n" + said;
    fail(what);
  }

  // True when a notify datagram's sender is the program or a process of its session.
  [[nodiscard]] bool ours(pid_t sender) const {
    return sender == pid_ || (sender > 0 && sid_ > 1 && detail::session_of(sender) == sid_);
  }
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  // We are the subreaper of everything PROGRAM started: killing PROGRAM hands us its children,
  // killing them hands us theirs — even those that called setsid(). Every one of them is our
  // unreaped child when we kill it, so its pid cannot be anyone else's. Bounded by 2 s; then
  // the pid file goes, once nothing holds its lock.
  void end_everything() {
    const auto until = clock_type::now() + std::chrono::seconds(2);
    for (;;) {
      const std::vector<pid_t> kids = detail::children_of(os::getpid());
      for (const pid_t kid : kids) os::kill(kid, SIGKILL);
      while (os::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      const bool locked = inspect_pid_file(a_.pidfile).state == pid_file_state::running;
      if ((kids.empty() && !locked) || clock_type::now() >= until) break;
      os::poll(nullptr, 0, 2);
    }
    remove_if_stale(a_.pidfile);
  }

  const start_args& a_;
  pid_t pid_;
  pid_t sid_ = 0;
};

// --notify: a NOTIFY_SOCKET of our own, on which the program says READY=1 (sd_notify). Only
// datagrams from the program's session count (SO_PASSCRED).
struct notify_socket {
  int fd = -1;
  std::string dir, path;

  bool open(int floor) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp == '/' ? tmp : "/tmp") + "/daemoniker-notify.XXXXXX";
    // A socket path has at most 107 bytes (sun_path): a deep TMPDIR cannot hold it.
    if (tmpl.size() + std::strlen("/notify") >= sizeof(sockaddr_un::sun_path)) {
      tmpl = "/tmp/daemoniker-notify.XXXXXX";
    }
    if (os::mkdtemp(tmpl.data()) == nullptr) return false;
    dir = tmpl;
    os::chmod(dir.c_str(), 0755);  // a program running as --user must reach it
    path = dir + "/notify";
    fd = detail::move_above(os::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), floor);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    const int on = 1;
    if (fd == -1 || os::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) == -1 ||
        os::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == -1) {
      return false;
    }
    os::chmod(path.c_str(), 0666);
    return true;
  }

  // One datagram and its sender's pid (0 when the kernel did not say).
  std::string receive(pid_t& sender) const {
    char buf[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = os::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); got >= 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        sender = cred.pid;
      }
    }
    return got > 0 ? std::string(buf, static_cast<std::size_t>(got)) : std::string();
  }

  void remove() {
    if (fd != -1) os::close(fd);
    if (!path.empty()) os::unlink(path.c_str());
    if (!dir.empty()) os::rmdir(dir.c_str());
    fd = -1;
    path.clear();
    dir.clear();
  }
};

// What the program said on the notify socket so far.
struct notify_state {
  bool ready = false;
  std::string status, errno_text;
  clock_type::time_point deadline;

  void take(const std::string& datagram) {
    for (std::size_t at = 0; at < datagram.size();) {
      const std::size_t end = std::min(datagram.find('\n', at), datagram.size());
      const std::string field = datagram.substr(at, end - at);
      if (field == "READY=1") ready = true;
      if (field.rfind("STATUS=", 0) == 0) status = field.substr(7);
      if (field.rfind("ERRNO=", 0) == 0) errno_text = field.substr(6);
      if (field.rfind("EXTEND_TIMEOUT_USEC=", 0) == 0) {
        // At most a year: a larger value would overflow the clock.
        const long long usec = std::min(std::strtoll(field.c_str() + 20, nullptr, 10), 365LL * 24 * 3600 * 1'000'000);
        const auto wanted = clock_type::now() + std::chrono::microseconds(std::max(usec, 0LL));
        if (wanted > deadline) deadline = wanted;
      }
      at = end + 1;
    }
  }
};

struct start_fds {
  int exec_pipe[2] = {-1, -1};   // the exec result: EOF means PROGRAM runs
  int ready_pipe[2] = {-1, -1};  // --ready-fd: the program's end becomes fd N
  int interrupts = -1;           // signalfd for INT, TERM, HUP while we wait
  int go[2] = {-1, -1};          // --notify: the socket's path, once the daemon confirmed
  notify_socket notify;
};

// Waits for the program's readiness line on --ready-fd or READY=1 on --notify, before the
// deadline; fails (ending the session) otherwise.
void await_readiness(const start_args& a, start_fds& f, start_watch& w, clock_type::time_point deadline,
                     std::uintmax_t stderr_size, const std::function<void(const pollfd&)>& check_interrupt) {
  const detail::pinned program(w.pid());
  const std::string how = a.ready_fd != -1 ? "on fd " + std::to_string(a.ready_fd) : "READY=1";
  notify_state said;
  said.deadline = deadline;
  std::string line;
  bool pipe_open = a.ready_fd != -1;
  while (!said.ready) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(said.deadline - clock_type::now());
    if (left.count() <= 0) {
      f.notify.remove();
      w.fail("'" + a.command.front() + "' (pid " + std::to_string(w.pid()) +
             ") did not signal readiness " + how + " within " + a.timeout +
             "; it was killed. Raise --timeout if it is legitimately slow");
    }
    struct pollfd p[4] = {{pipe_open ? f.ready_pipe[0] : -1, POLLIN, 0},
                          {f.interrupts, POLLIN, 0},
                          {f.notify.fd, POLLIN, 0},
                          {program.fd(), POLLIN, 0}};
    const int r = os::poll(p, 4, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r == -1 && errno != EINTR) break;
    if (r > 0) check_interrupt(p[1]);
    if (r > 0 && pipe_open && (p[0].revents & (POLLIN | POLLHUP)) != 0) {
      char buf[256];
      const ssize_t got = os::read(f.ready_pipe[0], buf, sizeof buf);
      if (got > 0) line.append(buf, static_cast<std::size_t>(got));
      if (line.find('\n') != std::string::npos) said.ready = true;
      if (got == 0) pipe_open = false;  // closed without a line: wait for its end
    }
    if (r > 0 && f.notify.fd != -1 && (p[2].revents & POLLIN) != 0) {
      pid_t sender = 0;
      const std::string datagram = f.notify.receive(sender);
      if (w.ours(sender)) said.take(datagram);  // anyone else's READY=1 is not the program's
    }
    int status = 0;
    if (!said.ready && os::waitpid(w.pid(), &status, WNOHANG) == w.pid()) {
      f.notify.remove();
      w.died(status, said.status, said.errno_text, stderr_size);  // reaped: its family goes too
    }
  }
}

// The command's own descriptors, all above --ready-fd (that number is the program's), shielded
// from the sweep where the daemon needs them; and every signal that would end the command held
// on a signalfd — Ctrl-C, Ctrl-\\, a TERM must not leave a half-started daemon (the library
// resets the daemon's mask). SIGPIPE too: a closed stdout must not end us before the daemon is.
bool open_start_fds(const start_args& a, start_fds& f, options& opts) {
  const int lowest = std::max(3, a.ready_fd + 1);
  if (os::pipe2(f.exec_pipe, O_CLOEXEC) == -1 || (a.ready_fd != -1 && os::pipe2(f.ready_pipe, O_CLOEXEC) == -1) ||
      (a.notify && os::pipe2(f.go, O_CLOEXEC) == -1)) {
    std::perror("daemoniker: pipe");
    return false;
  }
  for (int* fd : {&f.exec_pipe[0], &f.exec_pipe[1], &f.ready_pipe[0], &f.ready_pipe[1], &f.go[0], &f.go[1]}) {
    *fd = detail::move_above(*fd, lowest);
  }
  opts.shielded_fds.push_back(f.exec_pipe[1]);
  if (a.ready_fd != -1) opts.shielded_fds.push_back(f.ready_pipe[1]);
  if (a.notify) opts.shielded_fds.push_back(f.go[0]);
  sigset_t interrupts;
  sigemptyset(&interrupts);
  for (const int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE,
                        SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ}) {
    sigaddset(&interrupts, sig);
  }
  os::sigprocmask(SIG_BLOCK, &interrupts, nullptr);
  f.interrupts = detail::move_above(os::signalfd(-1, &interrupts, SFD_CLOEXEC), lowest);
  return true;
}

// The daemon, confirmed: NOTIFY_SOCKET once the invoking process made it, the readiness pipe on
// fd N (the pid file's lock moved out of its way), then PROGRAM. Its exec error goes up the
// close-on-exec pipe.
[[noreturn]] void become_program(const start_args& a, start_fds& f) {
  notify_ready();  // to the invoking process: the pid file is ours; now PROGRAM
  if (a.notify) {  // the socket exists only once we confirmed: nothing to leak before
    const std::string socket = read_all(f.go[0]);
    if (socket.empty()) {  // the invoking process is gone or could not make it
      release_pid_file();
      std::_Exit(1);
    }
    ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
  }
  int held = held_pid_file_descriptor();
  if (held != -1 && held == a.ready_fd) {  // make room for fd N; the lock moves along
    held = detail::move_above(held, a.ready_fd + 1);
  }
  int error = 0;
  if (a.ready_fd != -1 && os::dup2(f.ready_pipe[1], a.ready_fd) == -1) error = errno;
  if (error == 0) error = exec_program(a, held);
  (void)os::write(f.exec_pipe[1], &error, sizeof error);
  std::_Exit(127);
}

// --notify: the socket, made now that the daemon confirmed, and its path handed over.
void hand_notify_socket(const start_args& a, start_fds& f, start_watch& watch) {
  os::close(f.go[0]);
  const bool made = f.notify.open(std::max(3, a.ready_fd + 1));
  const int error = errno;
  if (made) (void)!os::write(f.go[1], f.notify.path.data(), f.notify.path.size());
  os::close(f.go[1]);
  if (!made) {
    f.notify.remove();
    watch.fail(std::string("cannot create the notify socket: ") + std::strerror(error));
  }
}

// The exec() result: EOF on the close-on-exec pipe means PROGRAM runs; a number is its errno.
void await_exec(const start_args& a, start_fds& f, start_watch& watch,
                const std::function<void(const pollfd&)>& check_interrupt) {
  int exec_error = 0;
  ssize_t n = 0;
  for (;;) {
    struct pollfd p[2] = {{f.exec_pipe[0], POLLIN, 0}, {f.interrupts, POLLIN, 0}};
    if (os::poll(p, 2, -1) == -1 && errno == EINTR) continue;
    check_interrupt(p[1]);
    n = os::read(f.exec_pipe[0], &exec_error, sizeof exec_error);
    if (n == -1 && errno == EINTR) continue;
    break;
  }
  if (n == static_cast<ssize_t>(sizeof exec_error)) {
    f.notify.remove();
    watch.fail("cannot run '" + a.command.front() + "': " + std::strerror(exec_error));
  }
}

int start_detached(const start_args& a, const options& base, std::chrono::milliseconds timeout) {
  const auto started = clock_type::now();
  std::error_code ec;
  const std::uintmax_t stderr_size = a.stderr_path.empty() ? 0 : fs::file_size(a.stderr_path, ec);
  start_fds f;
  options opts = base;
  if (!open_start_fds(a, f, opts)) return 1;
  // The daemon becomes our child once the intermediate process exits, so that we learn how it
  // ends if it fails before it is ready. We exit as soon as it is, and it goes to init.
  os::prctl(PR_SET_CHILD_SUBREAPER, 1);

  start_context ctx = make_context(a, detach_mode::always);
  auto [is_parent] = ctx(a.pidfile, opts);
  if (!is_parent) become_program(a, f);
  // The invoking process: the daemon confirmed (pid file written and locked). Its pid is the
  // one the handoff knows — never re-read from the file, which a concurrent starter may own.
  start_watch watch(a, ctx.daemon_pid());
  os::close(f.exec_pipe[1]);
  if (f.ready_pipe[1] != -1) os::close(f.ready_pipe[1]);
  if (a.notify) hand_notify_socket(a, f, watch);
  auto check_interrupt = [&](const pollfd& p) {
    if (p.fd == -1 || (p.revents & POLLIN) == 0) return;
    signalfd_siginfo info{};
    (void)os::read(f.interrupts, &info, sizeof info);
    f.notify.remove();
    watch.fail("interrupted by " + signal_name(static_cast<int>(info.ssi_signo)) + " while '" +
                   a.command.front() + "' was starting; it was stopped",
               128 + static_cast<int>(info.ssi_signo));
  };
  await_exec(a, f, watch, check_interrupt);
  if (a.ready_fd != -1 || f.notify.fd != -1) {
    await_readiness(a, f, watch, started + timeout, ec ? 0 : stderr_size, check_interrupt);
  }
  f.notify.remove();
  std::printf("daemoniker: started '%s' (pid %d)\n", a.command.front().c_str(), watch.pid());
  return 0;  // leaving ctx's scope ends this process with status 0
}

// --ready-fd and --keep-fd name descriptor numbers the program can have.
void check_fds(const start_args& a) {
  rlimit limit{};
  os::getrlimit(RLIMIT_NOFILE, &limit);
  const long long most = limit.rlim_cur == RLIM_INFINITY ? INT_MAX : static_cast<long long>(limit.rlim_cur) - 1;
  auto check = [&](const char* flag, long long fd) {
    const std::string said = std::string(flag) + " " + std::to_string(fd);
    if (fd < 0) usage_error(said + " is not a descriptor number: give 3 or more");
    if (fd > most) {
      usage_error(said + " is beyond the descriptor limit (ulimit -n is " + std::to_string(most + 1) +
                  "): give a smaller number");
    }
  };
  for (const int fd : a.keep_fds) check("--keep-fd", fd);
  if (a.ready_fd == -1) return;
  check("--ready-fd", a.ready_fd);
  if (a.ready_fd < 3) {
    usage_error("--ready-fd " + std::to_string(a.ready_fd) +
                ": fds 0, 1 and 2 are the program's stdio; give 3 or more");
  }
  for (const int fd : a.keep_fds) {
    if (fd == a.ready_fd) {
      usage_error("--ready-fd " + std::to_string(fd) + " is also given to --keep-fd: pick another");
    }
  }
}

// Run by a supervisor that expects its child in the foreground? systemd's NOTIFY_SOCKET counts
// only when systemd is the parent: every process of a Type=notify unit inherits the variable
// (ExecStartPre, reload scripts, a program's helpers), and those must still daemonize.
bool supervised() {
  const supervisor who = detect_supervisor();
  if (who != supervisor::systemd) return who != supervisor::none;
  if (detail::listen_pid_is_ours()) return true;
  return detail::comm_of(os::getppid()) == "systemd";
}

}  // namespace

int do_start(const start_args& a) {
  std::string error;
  const auto timeout = parse_duration(a.timeout, error);
  if (!timeout) usage_error("--timeout " + error);
  const auto umask = parse_umask(a.umask, error);
  if (!umask) usage_error("--umask " + error);
  check_fds(a);
  if (!a.group.empty() && a.user.empty()) usage_error("--group needs --user");
  std::string problem;
  const std::string program = find_program(a.command.front(), a.chroot, problem);
  if (!problem.empty()) {
    std::fprintf(stderr, "daemoniker: cannot run '%s': %s\n", a.command.front().c_str(), problem.c_str());
    return 1;
  }
  if (running_unlocked(a, program)) return 1;
  const options opts = make_options(a, *umask, *timeout);
  const bool in_place = a.detach == "never" || (a.detach == "auto" && supervised());
  if (in_place) return start_supervised(a, opts);
  return start_detached(a, opts, *timeout);
}

}  // namespace daemoniker::cli
