// daemoniker/activation.hpp — socket activation, and knowing when not to fork.
//
//     daemoniker::daemonize("/run/web.pid", {});        // under systemd: no fork, READY=1
//     for (const auto& s : daemoniker::listen_fds()) {   // the sockets systemd opened for us
//       if (s.name == "http") serve(s.fd);
//     }
#pragma once

#include <string>
#include <vector>

namespace daemoniker {

/// A socket passed by systemd's socket activation.
struct listen_fd {
  int fd;            ///< from 3 on
  std::string name;  ///< from LISTEN_FDNAMES ("" when unnamed)
};

/// The sockets systemd passed to this process (LISTEN_FDS, when LISTEN_PID named it),
/// captured by daemonize(): shielded from the fd sweep, and LISTEN_PID, LISTEN_FDS and
/// LISTEN_FDNAMES removed from the environment so that children do not take them for theirs.
/// Empty before daemonize() and when none were passed.
std::vector<listen_fd> listen_fds();

/// Who already supervises this process, as far as can be told without guessing.
enum class supervisor {
  none,
  systemd,      ///< $NOTIFY_SOCKET (Type=notify) or socket activation for this pid
  runit,        ///< the parent is runsv
  s6,           ///< the parent is s6-supervise
  daemontools,  ///< the parent is supervise
};

/// Detects a supervisor that expects the program to stay in the foreground. Not from
/// `getppid() == 1` (wrong under systemd and in containers), and not from $INVOCATION_ID or
/// $JOURNAL_STREAM alone: systemd sets them for Type=forking services too, which must fork.
supervisor detect_supervisor() noexcept;

}  // namespace daemoniker
