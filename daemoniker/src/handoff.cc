// fork_handoff: the POSIX double fork with an error channel (fork_window.cc, invoker_wait.cc),
// or, under a supervisor that expects its child in the foreground, no fork at all.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "daemoniker/activation.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/notify.hpp"
#include "daemoniker/src/confirmation.hpp"
#include "daemoniker/src/descriptors.hpp"
#include "fork_window.hpp"

namespace daemoniker {
namespace {

using detail::move_above;
using detail::retry_eintr;
namespace os = detail::os;

// The number of threads of this process (/proc/self/task), or 0 when it cannot be told.
int thread_count() noexcept {
  const int dir = retry_eintr(
      [] { return os::open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0); });
  if (dir == -1) return 0;
  int threads = 0;
  detail::for_each_numbered(dir, [&](int) noexcept { ++threads; });  // on an error: those seen
  os::close(dir);
  return threads;
}

// What settling changes in the process it runs in — umask, working directory, fds 0-2 — saved
// before it runs in the caller itself, and put back if it fails: try_daemonize()'s caller then
// carries on as it was, and daemonize() prints its failure on the caller's stderr. The pid file
// settle gives up itself (launch.cc). What the privilege step applied before it failed is not
// undone (a chroot, RLIMIT_CORE, niceness, groups, gid: once given up, they are not the
// process's to take back), and after a chroot the working directory stays inside it: one
// outside the new root would undo the chroot.
class caller_state {
 public:
  caller_state() = default;
  caller_state(const caller_state&) = delete;
  caller_state& operator=(const caller_state&) = delete;
  ~caller_state() { discard(); }

  step_status save(const plan& p) noexcept;
  void restore() noexcept;

 private:
  step_status save_stdio() noexcept;
  void restore_stdio() noexcept;
  [[nodiscard]] bool same_root() const noexcept;
  void discard() noexcept;

  mode_t mask_ = 0;
  int cwd_ = -1;  // O_PATH, close-on-exec, above 2
  bool has_root_ = false;
  struct stat root_ {};
  int stdio_[3] = {-1, -1, -1};  // copies above 2, close-on-exec; -1: the stream was closed
  int flags_[3] = {};            // their FD_CLOEXEC
};

step_status caller_state::save(const plan& p) noexcept {
  if (auto s = save_stdio(); !s.ok()) return s;
  cwd_ = move_above(
      retry_eintr([] { return os::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0); }));
  if (cwd_ == -1) {
    return step_status::failure(step::handoff, errno,
                                "keeping the working directory, to return to if settling fails");
  }
  has_root_ = os::stat("/", &root_) == 0;
  // umask() is read only by setting it: to the plan's, which settle's first step sets anyway.
  mask_ = os::umask(static_cast<mode_t>(p.umask));
  return {};
}

step_status caller_state::save_stdio() noexcept {
  for (int fd = 0; fd < 3; ++fd) {
    flags_[fd] = os::fcntl(fd, F_GETFD, 0);
    if (flags_[fd] == -1 && errno == EBADF) continue;  // closed: closed again on restore
    stdio_[fd] = flags_[fd] == -1 ? -1 : os::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (stdio_[fd] == -1) {
      return step_status::failure(step::handoff, errno,
                                  "keeping the caller's stdin, stdout and stderr, to put back if "
                                  "settling fails");
    }
  }
  return {};
}

void caller_state::restore() noexcept {
  restore_stdio();
  if (same_root()) (void)os::fchdir(cwd_);
  os::umask(mask_);
  discard();
}

void caller_state::restore_stdio() noexcept {
  for (int fd = 0; fd < 3; ++fd) {
    if (stdio_[fd] == -1) {
      os::close(fd);
      continue;
    }
    if (retry_eintr([&] { return os::dup2(stdio_[fd], fd); }) != -1 && (flags_[fd] & FD_CLOEXEC)) {
      os::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
}

// The root directory is still the one saved: no chroot was entered.
bool caller_state::same_root() const noexcept {
  struct stat now {};
  return has_root_ && os::stat("/", &now) == 0 && now.st_dev == root_.st_dev &&
         now.st_ino == root_.st_ino;
}

void caller_state::discard() noexcept {
  for (int& fd : stdio_) {
    if (fd != -1) os::close(fd);
    fd = -1;
  }
  if (cwd_ != -1) os::close(cwd_);
  cwd_ = -1;
}

// Settles in this very process; puts back what it changed when it fails.
step_status settle_here(const plan& p, const stages& st) {
  caller_state saved;  // a failure to save changed nothing yet
  if (auto s = saved.save(p); !s.ok()) return s;
  const step_status s = st.settle(p);
  if (!s.ok()) saved.restore();
  return s;
}

// A container's main process: readiness then goes without MAINPID.
bool in_container(supervisor s) noexcept {
  switch (s) {
    case supervisor::pid1:
    case supervisor::tini:
    case supervisor::dumb_init:
    case supervisor::docker_init:
    case supervisor::catatonit:
    case supervisor::s6_overlay:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Already supervised (or asked to stay): no fork, no new session, no sweep, no signal reset;
// umask, chdir, stdio, pid file and readiness as usual. The supervisor learns of readiness
// through notify_ready() (READY=1), sent here unless the program confirms itself. A failure
// leaves the caller as it was (caller_state).
namespace detail {

role stay_in_foreground(plan& p, const stages& st) {
  p.foreground = true;
  const bool container = in_container(detect_supervisor());  // before a chroot hides /proc
  if (auto s = settle_here(p, st); !s.ok()) {
    *st.failure = s;
    return role::failed;
  }
  if (container) stayed_in_container();
  if (!st.defer_confirmation) notify_ready();
  return role::daemon;
}

bool foreground_wanted(detach_mode mode, const plan& p) noexcept {
  if (mode == detach_mode::never) return true;
  // Sockets handed over by socket activation mean that whoever started us waits for us here.
  return mode == detach_mode::unless_supervised &&
         (detect_supervisor() != supervisor::none || !p.listen_fds.empty());
}

}  // namespace detail

role fork_handoff::launch(plan& p, const stages& st) {
  using namespace detail;
  if (foreground_wanted(detach, p)) {
    return stay_in_foreground(p, st);
  }
  if (!allow_threads) {
    if (const int threads = thread_count(); threads > 1) {
      *st.failure =
          step_status::failure(
              step::fork, 0,
              ("this process runs " + std::to_string(threads) +
               " threads, and fork() copies only the calling one: the daemon could hang on a "
               "lock another thread held. Daemonize before starting threads, use "
               "daemoniker::reexec_handoff (it starts the program afresh), or set "
               "fork_handoff{.allow_threads = true} if you know what every thread holds")
                  .c_str());
      return role::failed;
    }
  }
  int down[2];
  if (!make_channel(down)) {
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  return start_daemon(p, st, down, nullptr, -1, {});
}
}  // namespace daemoniker

#endif  // !defined(_WIN32)
