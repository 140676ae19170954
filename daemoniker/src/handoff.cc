// fork_handoff: the POSIX double fork with an error channel (fork_window.cc, invoker_wait.cc),
// or, under a supervisor that expects its child in the foreground, no fork at all.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
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
}  // namespace

// Already supervised (or asked to stay): no fork, no new session, no sweep, no signal reset;
// umask, chdir, stdio, pid file and readiness as usual. The supervisor learns of readiness
// through notify_ready() (READY=1), sent here unless the program confirms itself.
namespace detail {

role stay_in_foreground(plan& p, const stages& st) {
  p.foreground = true;
  switch (detect_supervisor()) {
    case supervisor::pid1:
    case supervisor::tini:
    case supervisor::dumb_init:
    case supervisor::docker_init:
    case supervisor::catatonit:
    case supervisor::s6_overlay:
      stayed_in_container();
      break;
    default:
      break;
  }
  if (auto s = st.settle(p); !s.ok()) {  // in the supervisor's own child: nothing to undo
    *st.failure = s;
    return role::failed;
  }
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
