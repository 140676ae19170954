#!/usr/bin/env bash
# Migrating from start-stop-daemon: its --make-pidfile writes an UNLOCKED pid file. daemoniker
# never signals or deletes such a file's live pid on the file's word alone (status 4, stop and
# signal refuse with exit 1), but does when start-stop-daemon-style matching proves the process
# (--exec /proc/PID/exe, --name /proc/PID/comm, --user its owner; all given must match).
#   start_stop_daemon_test.sh DAEMONIKER
# shellcheck source=tests/supervisors/lib.sh
source "$(dirname "$0")/lib.sh"
require start-stop-daemon flock realpath

sleep_exe=$(realpath "$(command -v sleep)") cat_exe=$(realpath "$(command -v cat)")
pidfile=$tmp/sleep.pid
# ssd_start: start-stop-daemon starts `sleep 1000` in the background, writing $pidfile; sets pid.
ssd_start() {
  rm -f "$pidfile"
  env "SUPTEST_MARK=$tmp" start-stop-daemon --start --background --make-pidfile \
    --pidfile "$pidfile" --exec "$sleep_exe" -- 1000
  # The pid file may be written before its process execs sleep.
  wait_until 5 eval 'is_pid "$(read_pid "$pidfile")" &&
    [[ $(readlink "/proc/$(read_pid "$pidfile")/exe") == "$sleep_exe" ]]'
  pid=$(read_pid "$pidfile")
  echo "start-stop-daemon started sleep, pid $pid ($(readlink "/proc/$pid/exe"))"
  alive "$pid" && ! locked "$pidfile" ||
    fail "start-stop-daemon did not leave a live sleep with an unlocked pid file"
}
# kept: the process is alive and its pid file is still there.
kept() { alive "$pid" && [ "$(read_pid "$pidfile")" == "$pid" ]; }

ssd_start
run "$dmk" status --pidfile "$pidfile"
check "ssd: status exits 4 (unknown)" [ "$rc" == 4 ]
check "ssd: ... and says the file is not locked" out_has "not locked"
check "ssd: ... and names --exec" out_has --exec
run "$dmk" status --pidfile "$pidfile" --exec "$sleep_exe"
check "ssd: status --exec $sleep_exe exits 0 (running)" [ "$rc" == 0 ]

run "$dmk" signal --pidfile "$pidfile" HUP
check "ssd: signal HUP exits 1" [ "$rc" == 1 ]
check "ssd: ... the process is alive (not signalled)" kept
run "$dmk" stop --pidfile "$pidfile" --retry TERM/2/KILL/1
check "ssd: stop exits 1" [ "$rc" == 1 ]
check "ssd: ... the process is alive and the pid file kept" kept

for matcher in "--exec $cat_exe" "--name cat" "--user nobody" "--exec $sleep_exe --name cat"; do
  run "$dmk" stop --pidfile "$pidfile" --retry TERM/2/KILL/1 $matcher
  check "ssd: stop $matcher (not matching) exits 1" [ "$rc" == 1 ]
  check "ssd: ... nothing signalled, the pid file kept" kept
  run "$dmk" signal --pidfile "$pidfile" $matcher HUP
  check "ssd: signal $matcher HUP (not matching) exits 1, nothing signalled" \
    eval '[ "$rc" == 1 ] && kept'
done

run "$dmk" stop --pidfile "$pidfile" --exec "$sleep_exe" --retry TERM/5/KILL/2
check "ssd: stop --exec $sleep_exe exits 0" [ "$rc" == 0 ]
check "ssd: ... the process is gone" gone "$pid"
check "ssd: ... the pid file is removed" [ ! -e "$pidfile" ]

ssd_start
run "$dmk" stop --pidfile "$pidfile" --name sleep --user root --retry TERM/5/KILL/2
check "ssd: stop --name sleep --user root exits 0" [ "$rc" == 0 ]
check "ssd: ... the process is gone" gone "$pid"
check "ssd: ... the pid file is removed" [ ! -e "$pidfile" ]

ssd_start
run "$dmk" signal --pidfile "$pidfile" --name sleep HUP
check "ssd: signal --name sleep HUP exits 0" [ "$rc" == 0 ]
wait_until 5 gone "$pid"
check "ssd: ... the process got it (SIGHUP ends sleep)" gone "$pid"
# Its pid is dead now: an unlocked file of a dead pid is stale.
run "$dmk" status --pidfile "$pidfile"
check "ssd: status of the stale file exits 1" [ "$rc" == 1 ]
run "$dmk" stop --pidfile "$pidfile"
check "ssd: stop of the stale file exits 0" [ "$rc" == 0 ]
check "ssd: ... and removes it" [ ! -e "$pidfile" ]

finish
