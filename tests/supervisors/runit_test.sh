#!/usr/bin/env bash
# `daemoniker start` as the run script of runit's runsv: it stays in the foreground and execs the
# program in place (the pid runsv knows), with an empty signal mask and its pid file locked;
# `sv down` stops it with SIGTERM; `daemoniker stop` signals only the daemon, never runsv's
# process group — also when the run script is a shell that does not exec (and shares the group).
#   runit_test.sh DAEMONIKER
# shellcheck source=tests/supervisors/lib.sh
source "$(dirname "$0")/lib.sh"
require runsv sv flock

# 1. run: exec daemoniker start --pidfile P -- prog
svc=$tmp/svc out_dir=$tmp/out pidfile=$tmp/p.pid
make_service "$svc" "$pidfile" ""
supervise runsv.log runsv "$svc"
runsv=$spawned
wait_until 10 eval 'is_pid "$(started_pid)"' || fail "runit: the program did not start in 10 s"
pid=$(started_pid)
wait_until 5 eval 'is_pid "$(read_pid "$svc/supervise/pid")"'
sv_pid=$(read_pid "$svc/supervise/pid")
echo "runsv $runsv (pgid $(pgid_of "$runsv")), its child per supervise/pid: $sv_pid," \
  "program: $pid, pid file: $(read_pid "$pidfile")"
check "runit: the program runs as runsv's child itself (supervise/pid $sv_pid == program $pid)" \
  [ "$sv_pid" == "$pid" ]
check "runit: the pid file holds the program's pid" [ "$(read_pid "$pidfile")" == "$pid" ]
check "runit: the program's parent is runsv" [ "$(ppid_of "$pid")" == "$runsv" ]
check "runit: empty signal mask, SigIgn as runsv gave it" sig_ok "$pid" "$(cat "$out_dir/given")"
check "runit: the pid file is locked (flock -n fails)" locked "$pidfile"
run "$dmk" status --pidfile "$pidfile"
check "runit: status says running (exit 0)" [ "$rc" == 0 ]
wait_until 1 false  # ~1 s: not restarted in a loop
check "runit: not restarted (one start, pid unchanged)" \
  [ "$(lines "$out_dir/starts")" == 1 -a "$(read_pid "$svc/supervise/pid")" == "$pid" ]

t0=$(now_ms)
sv down "$svc" >/dev/null
wait_until 5 gone "$pid"
took=$(($(now_ms) - t0))
check "runit: sv down stops it in < 5 s (took $took ms)" gone "$pid"
check "runit: ... with SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid"
check "runit: runsv is alive after sv down" alive "$runsv"
alive "$pid" && { echo "  (killing $pid, which sv down did not stop)"; kill -KILL "$pid"; }

sv up "$svc" >/dev/null
wait_until 5 eval '[[ $(started_pid) != "$pid" ]] && is_pid "$(started_pid)" && locked "$pidfile"'
pid2=$(started_pid)
check "runit: sv up starts it again, over the old pid file ($pid -> $pid2)" \
  [ "$pid2" != "$pid" -a "$(read_pid "$pidfile")" == "$pid2" ]
sv once "$svc" >/dev/null  # runsv must not restart it once it is stopped
t0=$(now_ms)
run "$dmk" stop --pidfile "$pidfile" --retry TERM/5/KILL/2
took=$(($(now_ms) - t0))
check "runit: daemoniker stop exits 0" [ "$rc" == 0 ]
check "runit: ... promptly: TERM works, no escalation (took $took ms < 5 s)" [ "$took" -lt 5000 ]
check "runit: ... the program is gone" gone "$pid2"
check "runit: ... it got SIGTERM (its TERM handler ran)" contains_line "$out_dir/term" "$pid2"
check "runit: ... runsv is still alive (its process group was not signalled)" alive "$runsv"
check "runit: ... the pid file is removed" [ ! -e "$pidfile" ]

# 2. The run script is a shell that does not exec daemoniker: the script, runsv and (in the
#    foreground) the program share runsv's process group; stop must end only the daemon.
svc2=$tmp/svc2 out_dir=$tmp/out2 pidfile2=$tmp/p2.pid
mkdir -p "$svc2" "$out_dir"
cat >"$svc2/run" <<EOF
#!/bin/sh
echo \$\$ > $(printf %q "$out_dir/script")
$(printf %q "$dmk") start --pidfile $(printf %q "$pidfile2") -- $(printf %q "$prog") $(printf %q "$out_dir")
echo "start exited \$?" >> $(printf %q "$out_dir/script.log")
sleep 1000
EOF
chmod +x "$svc2/run"
supervise runsv2.log runsv "$svc2"
runsv2=$spawned
wait_until 5 eval 'is_pid "$(started_pid)" && locked "$pidfile2"' ||
  fail "runit (no exec): the program did not start in 5 s"
pid=$(started_pid) script=$(read_pid "$out_dir/script")
echo "runsv $runsv2 (pgid $(pgid_of "$runsv2")), script $script (pgid $(pgid_of "$script"))," \
  "program $pid (pgid $(pgid_of "$pid"), parent $(ppid_of "$pid")), pid file: $(read_pid "$pidfile2")"
check "runit (no exec): the script shares runsv's process group" \
  [ "$(pgid_of "$script")" == "$(pgid_of "$runsv2")" ]
check "runit (no exec): the pid file holds the program's pid" [ "$(read_pid "$pidfile2")" == "$pid" ]
check "runit (no exec): empty signal mask" sigblk_ok "$pid"
sv once "$svc2" >/dev/null
t0=$(now_ms)
run "$dmk" stop --pidfile "$pidfile2" --retry TERM/5/KILL/2
took=$(($(now_ms) - t0))
check "runit (no exec): daemoniker stop exits 0" [ "$rc" == 0 ]
check "runit (no exec): ... promptly (took $took ms < 5 s)" [ "$took" -lt 5000 ]
check "runit (no exec): ... the program is gone" gone "$pid"
check "runit (no exec): ... it got SIGTERM" contains_line "$out_dir/term" "$pid"
check "runit (no exec): ... the run script is still alive" alive "$script"
check "runit (no exec): ... runsv is still alive" alive "$runsv2"
check "runit (no exec): ... the pid file is removed" [ ! -e "$pidfile2" ]

check "runit: no daemoniker-notify.* directory left" no_notify_dir_left
finish
