#!/bin/bash
# Runs INSIDE the container booted by systemd_test.sh, as dmk-test.service (real systemd is
# PID 1). Writes one "PASS name" / "FAIL name: why" line per check to /dmk-out/results, then
# "DONE"; the unit powers the container off when this script ends, however it ends.
#
# /dmk/bin holds the binaries (daemoniker, forking_daemon, notify_daemon, probe), read-only.
set -u

bin=/dmk/bin
out=/dmk-out
results=$out/results
: >"$results"
# The driver is a Type=simple service: boot finishes while it runs.
boot=$(timeout 60 systemctl is-system-running --wait 2>&1)
echo "BOOTED ($boot) systemd $(systemctl --version | head -n1 | cut -d' ' -f2) as PID 1: $(tr '\0' ' ' </proc/1/cmdline)" >>"$results"

pass() { echo "PASS $*" >>"$results"; }
fail() { echo "FAIL $*" >>"$results"; }
# eq NAME GOT WANT
eq() {
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
# ok NAME COMMAND...   (passes when the command succeeds)
ok() {
  local name=$1
  shift
  local msg
  if msg=$("$@" 2>&1); then pass "$name"; else fail "$name: $* failed${msg:+: $msg}"; fi
}
prop() { systemctl show -p "$2" --value "$1"; }
# wait_for SECONDS COMMAND...: polls every 0.05 s
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
state_is() { [[ $(prop "$1" ActiveState) == "$2" ]]; }
pid_in() { [[ -s $1 ]] && tr -d ' \n' <"$1" || echo "(no file $1)"; }
field() { sed -n "s/^$2=//p" "$1" 2>/dev/null; }
# locked FILE: its flock is held (by the daemon)
locked() { ! flock -n "$1" true; }

# The processes in cgroup $1 and below (a unit's ControlGroup=), on a cgroup v2 host and on a
# hybrid one (v1 with /sys/fs/cgroup/unified); "gone" when the cgroup no longer exists.
cgroup_procs() {
  local base
  for base in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd /sys/fs/cgroup; do
    if [[ -n $1 && -e $base$1/cgroup.procs ]]; then
      find "$base$1" -name cgroup.procs -exec cat {} + | sort -n | tr '\n' ' ' | sed 's/ $//'
      return
    fi
  done
  echo gone
}

# stopped UNIT CHECK: `systemctl stop`, then Result=success (no timeout, no SIGKILL escalation),
# inactive, and nothing left in the unit's cgroup nor its main process alive.
stopped() {
  local unit=$1 name=$2 cg main procs
  cg=$(prop "$unit" ControlGroup)
  main=$(prop "$unit" MainPID)
  procs=$(cgroup_procs "$cg")
  if [[ " $procs " == *" $main "* ]]; then
    pass "$name: MainPID is in $unit's cgroup before stop"
  else
    fail "$name: MainPID is in $unit's cgroup before stop: MainPID $main, cgroup '$cg' holds '$procs'"
  fi
  ok "$name: systemctl stop $unit" timeout 30 systemctl stop "$unit"
  eq "$name: $unit Result after stop" "$(prop "$unit" Result)" success
  eq "$name: $unit ActiveState after stop" "$(prop "$unit" ActiveState)" inactive
  procs=$(cgroup_procs "$cg")
  [[ $procs == gone ]] && procs=""
  eq "$name: no process left in $unit's cgroup" "$procs" ""
  if [[ $main =~ ^[0-9]+$ && $main != 0 ]] && kill -0 "$main" 2>/dev/null; then
    fail "$name: main pid $main of $unit still alive after stop"
  else
    pass "$name: main pid of $unit gone after stop"
  fi
}
# sigmask PID FIELD: SigBlk or SigIgn of a live process
sigmask() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }

# ---- units ------------------------------------------------------------------------------------
mkdir -p /run/systemd/system /run/dmk-c

# a. Type=forking + PIDFile= with a library daemon.
cat >/run/systemd/system/dmk-a.service <<EOF
[Service]
Type=forking
PIDFile=/run/dmk-a.pid
ExecStart=$bin/forking_daemon /run/dmk-a.pid /run/dmk-a.log
ExecReload=/bin/kill -HUP \$MAINPID
TimeoutStartSec=20
TimeoutStopSec=10
EOF

# b. Type=forking with the command daemonizing a plain foreground program.
cat >/run/dmk-b.sh <<'EOF'
echo $$ >/run/dmk-b.prog
trap 'echo TERM >/run/dmk-b.term; exit 0' TERM
while :; do sleep 0.2; done
EOF
cat >/run/systemd/system/dmk-b.service <<EOF
[Service]
Type=forking
PIDFile=/run/dmk-b.pid
ExecStart=$bin/daemoniker start --pidfile /run/dmk-b.pid -- /bin/sh /run/dmk-b.sh
TimeoutStartSec=20
TimeoutStopSec=10
EOF

# c. Type=notify with a library daemon that awaits readiness (READY=1 after 1.5 s).
cat >/run/systemd/system/dmk-c.service <<EOF
[Service]
Type=notify
ExecStart=$bin/notify_daemon /run/dmk-c.pid /run/dmk-c.log /run/dmk-c 1500
TimeoutStartSec=20
TimeoutStopSec=10
EOF

# d. Type=notify with `daemoniker start --notify`: the program says READY=1 itself (1.5 s).
# NotifyAccess= stays the default (main): only the main process may say it.
cat >/run/systemd/system/dmk-d.service <<EOF
[Service]
Type=notify
ExecStart=$bin/daemoniker start --pidfile /run/dmk-d.pid --notify -- $bin/probe /run/dmk-d.report 1500
TimeoutStartSec=20
TimeoutStopSec=10
EOF

# e. Socket activation of `daemoniker start -- probe` (the network namespace is private).
cat >/run/systemd/system/dmk-e.socket <<EOF
[Socket]
ListenStream=127.0.0.1:7777
FileDescriptorName=dmkprobe
EOF
cat >/run/systemd/system/dmk-e.service <<EOF
[Service]
Type=simple
ExecStart=$bin/daemoniker start --pidfile /run/dmk-e.pid -- $bin/probe /run/dmk-e.report
TimeoutStartSec=20
TimeoutStopSec=10
EOF

# The baseline: what systemd gives a program it starts itself (ignored signals: SIGPIPE, as
# IgnoreSIGPIPE=yes says, plus whatever else systemd passes on).
cat >/run/systemd/system/dmk-baseline.service <<EOF
[Service]
Type=simple
ExecStart=$bin/probe /run/dmk-baseline.report
TimeoutStopSec=10
EOF

systemctl daemon-reload

# ---- the baseline -----------------------------------------------------------------------------
timeout 30 systemctl start dmk-baseline.service
wait_for 10 test -s /run/dmk-baseline.report
base_ign=$(field /run/dmk-baseline.report SigIgn)
base_blk=$(field /run/dmk-baseline.report SigBlk)
eq "baseline: a program systemd starts has an empty signal mask" "$base_blk" 0000000000000000
[[ -n $base_ign ]] || fail "baseline: no SigIgn from a program started by systemd"
timeout 30 systemctl stop dmk-baseline.service

# ---- a ----------------------------------------------------------------------------------------
if ok "a: systemctl start (Type=forking, library daemon)" timeout 30 systemctl start dmk-a.service; then
  eq "a: ActiveState" "$(prop dmk-a ActiveState)" active
  eq "a: MainPID equals the pid file's pid" "$(prop dmk-a MainPID)" "$(pid_in /run/dmk-a.pid)"
  ok "a: the pid file is locked" locked /run/dmk-a.pid
  ok "a: systemctl reload" timeout 20 systemctl reload dmk-a.service
  ok "a: SIGHUP from ExecReload reached the daemon" wait_for 10 grep -q '^reload 1$' /run/dmk-a.log
fi
stopped dmk-a.service a
ok "a: the daemon stopped on SIGTERM itself" grep -q '^stopping on signal 15$' /run/dmk-a.log

# ---- b ----------------------------------------------------------------------------------------
if ok "b: systemctl start (Type=forking, daemoniker start -- sh)" timeout 30 systemctl start dmk-b.service; then
  eq "b: MainPID equals the pid file's pid" "$(prop dmk-b MainPID)" "$(pid_in /run/dmk-b.pid)"
  eq "b: the program runs as the pid file's pid" "$(pid_in /run/dmk-b.prog)" "$(pid_in /run/dmk-b.pid)"
  ok "b: the pid file is locked" locked /run/dmk-b.pid
  eq "b: the program's signal mask is empty" "$(sigmask "$(prop dmk-b MainPID)" SigBlk)" 0000000000000000
fi
stopped dmk-b.service b
ok "b: the program got SIGTERM and exited itself" wait_for 2 test -s /run/dmk-b.term

# ---- c ----------------------------------------------------------------------------------------
systemctl start --no-block dmk-c.service
if ok "c: the daemon started (Type=notify, await_ready)" wait_for 20 test -s /run/dmk-c/waiting; then
  activating=$(prop dmk-c ActiveState)
  if [[ -e /run/dmk-c/notifying ]]; then
    fail "c: not active before READY=1: inconclusive, the daemon notified before the check"
  else
    eq "c: not active before the daemon's READY=1" "$activating" activating
  fi
  ok "c: active after READY=1" wait_for 20 state_is dmk-c active
  ok "c: ... and only after notify_ready() was called" test -e /run/dmk-c/notifying
  eq "c: MainPID equals the pid file's pid" "$(prop dmk-c MainPID)" "$(pid_in /run/dmk-c.pid)"
  eq "c: MainPID is the daemon (no fork under systemd)" "$(prop dmk-c MainPID)" "$(pid_in /run/dmk-c/waiting)"
fi
stopped dmk-c.service c
ok "c: the daemon stopped on SIGTERM itself" grep -q '^stopping on signal 15$' /run/dmk-c.log

# ---- d ----------------------------------------------------------------------------------------
systemctl start --no-block dmk-d.service
if ok "d: the program started (Type=notify, daemoniker start --notify)" wait_for 20 test -s /run/dmk-d.report.waiting; then
  activating=$(prop dmk-d ActiveState)
  if [[ -e /run/dmk-d.report.notifying ]]; then
    fail "d: not active before READY=1: inconclusive, the program notified before the check"
  else
    eq "d: not active before the program's own READY=1 (the command sends none)" "$activating" activating
  fi
  ok "d: active after the program's READY=1" wait_for 20 state_is dmk-d active
  ok "d: ... and only after the program sent it" test -e /run/dmk-d.report.notifying
  r=/run/dmk-d.report
  eq "d: MainPID equals the program's pid (no fork)" "$(prop dmk-d MainPID)" "$(field $r pid)"
  eq "d: the pid file holds the program's pid" "$(pid_in /run/dmk-d.pid)" "$(field $r pid)"
  ok "d: the pid file is locked" locked /run/dmk-d.pid
  eq "d: NOTIFY_SOCKET untouched" "$(field $r NOTIFY_SOCKET)" /run/systemd/notify
  eq "d: empty signal mask" "$(field $r SigBlk)" 0000000000000000
  eq "d: ignored signals as systemd gives them (SigIgn of a program it starts itself)" "$(field $r SigIgn)" "$base_ign"
  eq "d: StatusText is the program's" "$(prop dmk-d StatusText)" "probe ready"
  eq "d: no daemoniker-notify.* left in /tmp" "$(ls -d /tmp/daemoniker-notify.* 2>/dev/null)" ""
fi
stopped dmk-d.service d
ok "d: the program got SIGTERM and exited itself" test -e /run/dmk-d.report.term
eq "d: no daemoniker-notify.* left in /tmp after stop" "$(ls -d /tmp/daemoniker-notify.* 2>/dev/null)" ""

# ---- e ----------------------------------------------------------------------------------------
if ok "e: systemctl start dmk-e.socket" timeout 30 systemctl start dmk-e.socket; then
  ok "e: connect to 127.0.0.1:7777" timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/7777'
  if ok "e: the socket activated the service's program" wait_for 20 test -s /run/dmk-e.report; then
    r=/run/dmk-e.report
    eq "e: LISTEN_PID equals the program's pid" "$(field $r LISTEN_PID)" "$(field $r pid)"
    eq "e: LISTEN_FDS" "$(field $r LISTEN_FDS)" 1
    eq "e: LISTEN_FDNAMES" "$(field $r LISTEN_FDNAMES)" dmkprobe
    eq "e: fd 3 is the listening socket" "$(field $r fd3)" listening-socket
    eq "e: empty signal mask" "$(field $r SigBlk)" 0000000000000000
    eq "e: ignored signals as systemd gives them" "$(field $r SigIgn)" "$base_ign"
    wait_for 5 test -s /run/dmk-e.pid
    eq "e: the pid file holds the program's pid" "$(pid_in /run/dmk-e.pid)" "$(field $r pid)"
    ok "e: the pid file is locked" locked /run/dmk-e.pid
    eq "e: MainPID equals the program's pid" "$(prop dmk-e.service MainPID)" "$(field $r pid)"
    eq "e: the service is active" "$(prop dmk-e.service ActiveState)" active
  fi
fi
# The socket first: the connection left pending (the probe accepts none) would activate the
# service again once it stopped, even when both are stopped by one command.
ok "e: systemctl stop dmk-e.socket" timeout 30 systemctl stop dmk-e.socket
stopped dmk-e.service e
ok "e: the program got SIGTERM and exited itself" test -e /run/dmk-e.report.term

# ---- f: nothing of the tests is left anywhere in the container --------------------------------
left=""
for p in /proc/[0-9]*; do
  cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  case $cmd in
  *"$bin/"* | *"/run/dmk-"*) left+="${p#/proc/}:$cmd; " ;;
  esac
done
eq "f: no test process left in the container" "$left" ""

journalctl --no-pager -o short-monotonic -u 'dmk-*' >"$out/journal" 2>&1
systemctl --failed --no-pager >"$out/failed-units" 2>&1
for u in a b c d e; do
  {
    echo "== dmk-$u.service"
    systemctl show -p Type,ActiveState,SubState,Result,MainPID,ExecMainCode,ExecMainStatus,NRestarts dmk-$u.service
  } >>"$out/units"
done
for f in /run/dmk-*.log /run/dmk-*.report; do
  [[ -e $f ]] && printf '== %s\n%s\n' "$f" "$(cat "$f")"
done >"$out/reports"
echo DONE >>"$results"
