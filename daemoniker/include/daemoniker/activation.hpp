// daemoniker/activation.hpp — socket activation, and knowing when not to fork.
//
//     daemoniker::daemonize("/run/web.pid", {});        // under systemd: no fork, READY=1
//     for (const auto& s : daemoniker::listen_fds()) {   // the sockets systemd opened for us
//       if (s.name == "http") serve(s.fd);
//     }
#pragma once

#include "daemoniker/detail/config.hpp"

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
/// A failed try_daemonize() leaves the variables and the sockets as they were, for a retry.
/// Empty before daemonize() and when none were passed.
std::vector<listen_fd> listen_fds();

/// Who already supervises this process, as far as can be told without guessing.
enum class supervisor {
  none,
  systemd,      ///< $NOTIFY_SOCKET (Type=notify) or socket activation for this pid
  runit,        ///< the parent is runsv
  s6,           ///< the parent is s6-supervise
  daemontools,  ///< the parent is supervise
  pid1,         ///< this process is PID 1 of its pid namespace: a container's main process
  tini,         ///< the parent is tini, PID 1 of a container's pid namespace
  dumb_init,    ///< the parent is dumb-init, PID 1 of a container's pid namespace
  docker_init,  ///< the parent is docker-init (`docker run --init`), PID 1 of a container
  catatonit,    ///< the parent is catatonit (`podman run --init`), PID 1 of a container
  s6_overlay,   ///< the parent is s6-svscan, PID 1 of a container (s6-overlay)
};

/// Detects a supervisor that expects the program to stay in the foreground. Not from
/// `getppid() == 1` alone (wrong on a host and under a real init in a container: systemd's
/// Type=forking services must fork), not from /.dockerenv, $container or cgroup paths, and not
/// from $INVOCATION_ID or $JOURNAL_STREAM alone: systemd sets them for Type=forking services
/// too. A container init counts only as PID 1 of a pid namespace that is not the initial one.
supervisor detect_supervisor() noexcept;

}  // namespace daemoniker
