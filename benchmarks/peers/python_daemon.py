"""python-daemon (Debian's python3-daemon) as a peer of whole programs.

    /usr/bin/python3 python_daemon.py PIDFILE

DaemonContext with a locked pid file (daemon.pidfile.TimeoutPIDLockFile), the daemon exits at
once; leaving the context releases (removes) the pid file. benchmarks/peer_harness.cc times it.
"""
import sys

import daemon
import daemon.pidfile

with daemon.DaemonContext(pidfile=daemon.pidfile.TimeoutPIDLockFile(sys.argv[1], 5)):
    pass
