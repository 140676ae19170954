#!/usr/bin/env bash
# `daemoniker start` as the run script of daemontools' supervise: it execs the program in place
# (the pid supervise knows), with an empty signal mask and its pid file locked; `svc -d` stops it
# with SIGTERM; `daemoniker stop` signals only the daemon (supervise survives).
#   daemontools_test.sh DAEMONIKER
# shellcheck source=tests/supervisors/lib.sh
source "$(dirname "$0")/lib.sh"
require supervise svc svstat flock

# svstat_pid: the pid `svstat` shows for the service ("DIR: up (pid N) S seconds"), or nothing.
svstat_pid() { svstat "$svc" 2>/dev/null | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'; }

svc=$tmp/svc out_dir=$tmp/out pidfile=$tmp/p.pid
make_service "$svc" "$pidfile" ""
supervise supervise.log supervise "$svc"
sup=$spawned
wait_until 10 eval 'is_pid "$(started_pid)" && locked "$pidfile"' ||
  fail "daemontools: the program did not start in 10 s"
pid=$(started_pid)
echo "supervise $sup (pgid $(pgid_of "$sup")), program $pid (parent $(ppid_of "$pid")), svstat:" \
  "$(svstat "$svc"), pid file: $(read_pid "$pidfile")"
check "daemontools: the program runs as supervise's child itself (svstat pid)" \
  [ "$(svstat_pid)" == "$pid" -a "$(ppid_of "$pid")" == "$sup" ]
check "daemontools: the pid file holds its pid" [ "$(read_pid "$pidfile")" == "$pid" ]
check "daemontools: the pid file is locked (flock -n fails)" locked "$pidfile"
check "daemontools: empty signal mask, SigIgn as supervise gave it" sig_ok "$pid" "$(cat "$out_dir/given")"
wait_until 1 false  # ~1 s: not restarted in a loop
check "daemontools: not restarted (one start, same pid)" \
  [ "$(lines "$out_dir/starts")" == 1 -a "$(svstat_pid)" == "$pid" ]

t0=$(now_ms)
svc -d "$svc"
wait_until 5 gone "$pid"
took=$(($(now_ms) - t0))
check "daemontools: svc -d stops it in < 5 s (took $took ms)" gone "$pid"
check "daemontools: ... with SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid"
check "daemontools: supervise is alive" alive "$sup"
alive "$pid" && { echo "  (killing $pid, which svc -d did not stop)"; kill -KILL "$pid"; }

svc -o "$svc"  # up once: not restarted when it stops
wait_until 5 eval '[[ $(started_pid) != "$pid" ]] && is_pid "$(started_pid)" && locked "$pidfile"'
pid2=$(started_pid)
check "daemontools: svc -o starts it again, over the old pid file ($pid -> $pid2)" \
  [ "$pid2" != "$pid" -a "$(read_pid "$pidfile")" == "$pid2" ]
t0=$(now_ms)
run "$dmk" stop --pidfile "$pidfile" --retry TERM/5/KILL/2
took=$(($(now_ms) - t0))
check "daemontools: daemoniker stop exits 0" [ "$rc" == 0 ]
check "daemontools: ... promptly: TERM works, no escalation (took $took ms < 5 s)" [ "$took" -lt 5000 ]
check "daemontools: ... the program is gone" gone "$pid2"
check "daemontools: ... only the daemon got SIGTERM (its TERM handler ran)" \
  contains_line "$out_dir/term" "$pid2"
check "daemontools: ... supervise is still alive" alive "$sup"
check "daemontools: ... the pid file is removed" [ ! -e "$pidfile" ]

# supervise started with nohup from a shell that then exited: a session whose leader is gone,
# as a double fork leaves — but supervise is not part of the daemon's family and must survive.
svc=$tmp/svc2 out_dir=$tmp/out2 pidfile=$tmp/p2.pid
make_service "$svc" "$pidfile" ""
env "SUPTEST_MARK=$tmp" "TMPDIR=$tmp/t" setsid sh -c \
  'nohup supervise "$1" </dev/null >/dev/null 2>&1 & echo $! > "$2"; exit 0' sh "$svc" "$tmp/sup2.pid"
wait_until 10 eval 'is_pid "$(started_pid)" && locked "$pidfile"' ||
  fail "daemontools (leaderless session): the program did not start in 10 s"
sup2=$(cat "$tmp/sup2.pid") pid3=$(started_pid)
supervisors+=("$sup2")
echo "supervise $sup2 (session $(awk '{print $6}' "/proc/$sup2/stat" 2>/dev/null), leader gone), program $pid3"
run "$dmk" stop --pidfile "$pidfile" --retry TERM/5/KILL/2
check "daemontools (leaderless session): daemoniker stop exits 0" [ "$rc" == 0 ]
check "daemontools (leaderless session): ... the program is gone" gone "$pid3"
check "daemontools (leaderless session): ... supervise is still alive" alive "$sup2"
svc -dx "$svc" 2>/dev/null

check "daemontools: no daemoniker-notify.* directory left" no_notify_dir_left
finish
