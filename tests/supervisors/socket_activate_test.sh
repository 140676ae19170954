#!/usr/bin/env bash
# `daemoniker start` under systemd-socket-activate (which execs it in place on the first
# connection, with LISTEN_PID set to that pid): it stays in the foreground and execs the program
# in place, so the program gets the socket as fd 3 with LISTEN_FDS=1, its fd name, and
# LISTEN_PID equal to its own pid; the pid file holds that pid, locked; stop signals only it.
#   socket_activate_test.sh DAEMONIKER
# shellcheck source=tests/supervisors/lib.sh
source "$(dirname "$0")/lib.sh"
require systemd-socket-activate socat flock

# listening PORT: something listens on 127.0.0.1:PORT (per /proc/net/tcp, state 0A).
listening() { grep -qiE "^ *[0-9]+: 0100007F:$(printf %04X "$1") [0-9A-F:]+ 0A " /proc/net/tcp; }

out_dir=$tmp/out pidfile=$tmp/p.pid
mkdir "$out_dir"
# A free port: try a few at random (a port taken meanwhile makes the activator exit).
for _ in $(seq 10); do
  port=$((20000 + RANDOM % 30000))
  listening "$port" && continue
  supervise activate.log systemd-socket-activate -l "127.0.0.1:$port" --fdname=web \
    -E SUPTEST_MARK -E TMPDIR "$dmk" start --pidfile "$pidfile" -- "$prog" "$out_dir"
  activator=$spawned
  wait_until 5 eval 'listening "$port" || gone "$activator"'
  alive "$activator" && listening "$port" && break
done
check "socket activation: systemd-socket-activate listens on 127.0.0.1:$port" listening "$port"
check "socket activation: nothing started before a connection" [ ! -e "$out_dir/starts" ]
run socat -u /dev/null "TCP:127.0.0.1:$port"
wait_until 10 eval 'is_pid "$(started_pid)" && locked "$pidfile"' ||
  fail "socket activation: the program did not start in 10 s"
pid=$(started_pid)
echo "activator $activator, program $pid (parent $(ppid_of "$pid")), pid file: $(read_pid "$pidfile")"
check "socket activation: the program runs in place (pid $pid == the activator's $activator)" \
  [ "$pid" == "$activator" ]
check "socket activation: LISTEN_PID is the program's pid" env_is "$pid" LISTEN_PID "$pid"
check "socket activation: LISTEN_FDS=1" env_is "$pid" LISTEN_FDS 1
check "socket activation: LISTEN_FDNAMES=web" env_is "$pid" LISTEN_FDNAMES web
check "socket activation: fd 3 is the socket" fd_is "$pid" 3 'socket:*'
check "socket activation: the pid file holds its pid" [ "$(read_pid "$pidfile")" == "$pid" ]
check "socket activation: the pid file is locked (flock -n fails)" locked "$pidfile"
check "socket activation: empty signal mask" sigblk_ok "$pid"
run "$dmk" status --pidfile "$pidfile"
check "socket activation: status says running (exit 0)" [ "$rc" == 0 ]

t0=$(now_ms)
run "$dmk" stop --pidfile "$pidfile" --retry TERM/5/KILL/2
took=$(($(now_ms) - t0))
check "socket activation: daemoniker stop exits 0" [ "$rc" == 0 ]
check "socket activation: ... promptly: TERM works, no escalation (took $took ms < 5 s)" \
  [ "$took" -lt 5000 ]
check "socket activation: ... the program is gone" gone "$pid"
check "socket activation: ... it got SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid"
check "socket activation: ... the pid file is removed" [ ! -e "$pidfile" ]

check "socket activation: no daemoniker-notify.* directory left" no_notify_dir_left
finish
