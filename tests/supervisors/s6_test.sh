#!/usr/bin/env bash
# `daemoniker start` as the run script of s6-supervise with a notification-fd: it execs the
# program in place and never reports readiness itself (with --ready-fd or without): s6 sees the
# program's own write to fd 3; the program is not restarted in a loop; `s6-svc -d` stops it with
# SIGTERM; `daemoniker stop` signals only the daemon; no daemoniker-notify.* is left.
#   s6_test.sh DAEMONIKER
# shellcheck source=tests/supervisors/lib.sh
source "$(dirname "$0")/lib.sh"
require s6-supervise s6-svc s6-svwait s6-svstat flock

svstat() { s6-svstat -o "$1" "$svc" 2>&1; }  # e.g. svstat up,ready -> "true false"

# s6_service NAME OPTIONS: a service with notification-fd 3 whose run script execs
# `daemoniker start OPTIONS -- prog DIR 3` (prog writes "ready" to fd 3 once DIR/go exists);
# starts s6-supervise on it and waits for the program. Sets svc out_dir pidfile s6 pid.
s6_service() {
  svc=$tmp/$1 out_dir=$tmp/$1.out pidfile=$tmp/$1.pid
  make_service "$svc" "$pidfile" "$2" 3
  echo 3 >"$svc/notification-fd"
  supervise "$1.log" s6-supervise "$svc"
  s6=$spawned
  wait_until 10 eval 'is_pid "$(started_pid)" && locked "$pidfile"' ||
    fail "s6 ($1): the program did not start in 10 s"
  pid=$(started_pid)
  echo "s6-supervise $s6, program $pid (parent $(ppid_of "$pid")), s6-svstat pid:" \
    "$(svstat pid), pid file: $(read_pid "$pidfile")"
}

# The checks common to both services. $1: the label.
s6_checks() {
  local l=$1
  check "$l: the program runs as s6-supervise's child itself (s6-svstat pid)" \
    [ "$(svstat pid)" == "$pid" -a "$(ppid_of "$pid")" == "$s6" ]
  check "$l: the pid file holds its pid and is locked" \
    eval '[ "$(read_pid "$pidfile")" == "$pid" ] && locked "$pidfile"'
  check "$l: empty signal mask, SigIgn as s6-supervise gave it" sig_ok "$pid" "$(cat "$out_dir/given")"
  check "$l: s6's notification fd 3 reaches the program (a pipe)" fd_is "$pid" 3 'pipe:*'
  wait_until 1 false  # time for a readiness report on the program's behalf, which must not come
  check "$l: up but not ready before the program writes to fd 3 (s6-svstat: $(svstat up,ready))" \
    [ "$(svstat up,ready)" == "true false" ]
  touch "$out_dir/go"
  run s6-svwait -U -t 5000 "$svc"
  check "$l: s6-svwait -U returns 0 once the program wrote to fd 3" [ "$rc" == 0 ]
  wait_until 1 false
  check "$l: up and ready, not restarted (one start, same pid; s6-svstat: $(svstat up,ready,pid))" \
    [ "$(svstat up,ready,pid)" == "true true $pid" -a "$(lines "$out_dir/starts")" == 1 ]
}

# 1. --ready-fd 3: the command stays out of the way; the program's own write is what s6 sees.
s6_service ready-fd "--ready-fd 3"
l="s6 --ready-fd 3"
s6_checks "$l"
t0=$(now_ms)
s6-svc -d "$svc"
wait_until 5 gone "$pid"
took=$(($(now_ms) - t0))
check "$l: s6-svc -d stops it in < 5 s (took $took ms)" gone "$pid"
check "$l: ... with SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid"
wait_until 2 eval '[[ $(svstat up) == false ]]'
check "$l: ... it exited 0, not killed by a signal (s6-svstat: $(svstat exitcode,signal))" \
  [ "$(svstat exitcode,signal)" == "0 NA" ]
check "$l: s6-supervise is alive" alive "$s6"
alive "$pid" && { echo "  (killing $pid, which s6-svc -d did not stop)"; kill -KILL "$pid"; }

rm -f "$out_dir/go"  # the next one waits before reporting readiness
s6-svc -o "$svc"  # up once: not restarted when it stops
wait_until 5 eval '[[ $(started_pid) != "$pid" ]] && is_pid "$(started_pid)" && locked "$pidfile"'
pid2=$(started_pid)
check "$l: s6-svc -o starts it again ($pid -> $pid2)" [ "$pid2" != "$pid" ]
t0=$(now_ms)
run "$dmk" stop --pidfile "$pidfile" --retry TERM/5/KILL/2
took=$(($(now_ms) - t0))
check "$l: daemoniker stop exits 0" [ "$rc" == 0 ]
check "$l: ... promptly: TERM works, no escalation (took $took ms < 5 s)" [ "$took" -lt 5000 ]
check "$l: ... the program is gone" gone "$pid2"
check "$l: ... it got SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid2"
check "$l: ... s6-supervise is still alive" alive "$s6"
check "$l: ... the pid file is removed" [ ! -e "$pidfile" ]
if [[ -e $pidfile ]]; then  # what kept it: say so, for the next one to read
  echo "  pid file now: '$(cat "$pidfile" 2>&1)'; status: $("$dmk" status --json --pidfile "$pidfile" 2>&1)"
  echo "  s6-svstat: $(s6-svstat "$svc" 2>&1)"
fi
kill -KILL "$s6"

# 2. No --ready-fd: the notification fd is passed untouched, the program reports readiness.
s6_service no-ready-fd ""
l="s6 without --ready-fd"
s6_checks "$l"
t0=$(now_ms)
s6-svc -d "$svc"
wait_until 5 gone "$pid"
took=$(($(now_ms) - t0))
check "$l: s6-svc -d stops it in < 5 s (took $took ms)" gone "$pid"
check "$l: ... with SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid"

check "s6: no daemoniker-notify.* directory left" no_notify_dir_left
finish
