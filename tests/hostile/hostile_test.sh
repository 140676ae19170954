#!/usr/bin/env bash
# hostile_test.sh DAEMONIKER SEND_PROBE
#
# Proves that the `daemoniker` command (stop, stop --retry, signal, reload, status) and the
# library's send() (through SEND_PROBE, tests/hostile/send_probe.cc) never signal a process that
# is not their verified daemon — with hostile pid files (empty, 0, 1, -1, the caller's own pid,
# process group and session, garbage, huge numbers, an unrelated live process), unlocked or
# locked by someone who is not a daemon, and with FORCED PID REUSE (a daemon's pid handed to an
# unrelated process through /proc/sys/kernel/ns_last_pid). The behaviour asserted is the
# contract of issue 11 (process identity).
#
# Everything runs inside a private pid namespace (unshare --pid --fork --mount-proc): nothing
# here can ever signal the real init or a real process. In the namespace this script is pid 1,
# with traps on TERM HUP INT USR1 USR2 QUIT ALRM CONT that append to a file — a namespace's init
# only receives the signals it has handlers for, so the trap records any signal sent to pid 1.
# Every other bystander ("victim") is a shell with the same traps, and is also checked alive (a
# SIGKILL cannot be trapped). Each command runs in a harness: a session leader S and, in S, a
# process group leader G (both with traps), so that the caller's own group and session are
# distinct, trap-recording processes.
#
# Modes (the script re-executes itself):
#   hostile_test.sh DAEMONIKER SEND_PROBE         outer: run the namespace, wait for it
#   --init W DAEMONIKER SEND_PROBE                pid 1 of the namespace
#   --driver W DAEMONIKER SEND_PROBE              the tests (a child of pid 1)
#   --victim NAME DIR                             a bystander recording signals to DIR/NAME.trap
#   --harness H F STATE KIND CMD DAEMONIKER PROBE session leader S running one command
#   --forker DIR                                  a daemon whose child keeps the pid file's lock
#
# One PASS/FAIL line per check; exit status 1 if any check fails (none is ever skipped).
set -u
export LC_ALL=C
SIGNALS="TERM HUP INT USR1 USR2 QUIT ALRM CONT"
# A shell's background jobs start with SIGINT and SIGQUIT ignored, and a shell cannot trap a
# signal ignored on entry: bystanders are started through `env --default-signal` (coreutils 8.31+)
# so that they record those too.
DEFAULT_SIGNALS=()
# shellcheck disable=SC2054  # one argument with a comma
if env --default-signal=INT,QUIT true 2> /dev/null; then DEFAULT_SIGNALS=(env --default-signal=INT,QUIT); fi

# Installs a trap on each of $SIGNALS appending "LABEL got SIGxxx" to FILE.
record_signals() {  # LABEL FILE
  local s
  for s in $SIGNALS; do
    # shellcheck disable=SC2064  # expanded now, on purpose
    trap "echo '$1 got SIG$s' >> '$2'" "$s"
  done
  # The test's own barrier (collect_problems), recorded apart.
  # shellcheck disable=SC2064
  trap "echo sync >> '$2.sync'" RTMAX
}

# Sleeps forever without forking again unless its sleep dies (keeps pid allocation quiet, which
# the forced pid reuse needs); a trapped signal interrupts `wait` and runs the trap at once.
idle_forever() {
  local sp
  sleep 1000 &
  sp=$!
  while :; do
    wait "$sp"
    if ! kill -0 "$sp" 2>/dev/null; then
      sleep 1000 &
      sp=$!
    fi
  done
}

victim_main() {  # NAME DIR
  record_signals "$1($$)" "$2/$1.trap"
  echo $$ > "$2/$1.pid.tmp" && mv -f "$2/$1.pid.tmp" "$2/$1.pid"  # ready: traps are installed
  idle_forever
}

# The harness. S (this process, a session leader made by setsid) records to H/S.trap; with job
# control on, the subshell G gets its own process group in S's session and records to H/G.trap.
# G prepares the pid file F (KIND), optionally locks it from its own group (STATE lock-grp), then
# runs the command under `timeout --foreground` (which keeps it in G's group) and writes its exit
# status to H/rc. S and G then stay alive until the driver ends them.
#   KIND: keep (leave F alone) | self (the command's own pid) | pgid (G) | sid (S) | =TEXT
#   CMD:  stop | stop-retry | signal | reload | status | send
harness_main() {  # H F STATE KIND CMD DAEMONIKER PROBE
  local H=$1 F=$2 STATE=$3 KIND=$4 CMD=$5 DMK=$6 PROBE=$7
  record_signals "S($$)" "$H/S.trap"
  echo $$ > "$H/S.pid"
  set -m
  (
    record_signals "G($BASHPID)" "$H/G.trap"
    echo "$BASHPID" > "$H/G.pid"
    if [ "$STATE" = lock-grp ]; then
      flock -x -n "$F" "${DEFAULT_SIGNALS[@]}" bash "$SELF" --victim holder "$H" &
      echo $! > "$H/holder.flock"
      for _ in $(seq 250); do [ -e "$H/holder.pid" ] && break; sleep 0.02; done
      [ -e "$H/holder.pid" ] && ! flock -n -s "$F" true || echo "the holder did not lock $F" > "$H/setup-failed"
    fi
    case $KIND in
      keep | self) ;;
      pgid) echo "$BASHPID" > "$F" ;;
      sid) echo "$$" > "$F" ;;  # in a subshell $$ is S's pid
      =) : > "$F" ;;            # empty
      =*) printf '%s\n' "${KIND#=}" > "$F" ;;
    esac
    local -a cmd
    case $CMD in
      stop) cmd=("$DMK" stop --pidfile "$F") ;;
      stop-retry) cmd=("$DMK" stop --pidfile "$F" --retry TERM/1/KILL/1) ;;
      signal) cmd=("$DMK" signal --pidfile "$F" HUP) ;;
      reload) cmd=("$DMK" reload --pidfile "$F") ;;
      status) cmd=("$DMK" status --pidfile "$F") ;;
      send) cmd=("$PROBE" "$F" 1) ;;
      *) echo "harness: unknown command $CMD" >&2; cmd=(false) ;;
    esac
    local limit=${HARNESS_TIMEOUT:-3}
    if [ "$KIND" = self ]; then
      # The file names the command itself: sh writes its own pid, then becomes the command.
      timeout --foreground -k 1 "$limit" sh -c 'echo $$ > "$0"; exec "$@"' "$F" "${cmd[@]}" \
        > "$H/out" 2> "$H/err"
    else
      timeout --foreground -k 1 "$limit" "${cmd[@]}" > "$H/out" 2> "$H/err"
    fi
    echo $? > "$H/rc.tmp"
    mv -f "$H/rc.tmp" "$H/rc"
    idle_forever
  ) &
  set +m  # S's own sleep stays in S's group (ended with it)
  idle_forever
}

# A daemon (run by `daemoniker start`) whose child inherits the pid file's lock; the daemon's own
# pid exits once DIR/go exists (or after 10 s), the child keeps the lock.
forker_main() {  # DIR
  sleep 1000 &
  echo $! > "$1/child.pid"
  echo $$ > "$1/forker.pid"
  for _ in $(seq 500); do [ -e "$1/go" ] && exit 0; sleep 0.02; done
  exit 0
}

case ${1:-} in
  --victim) SELF=$0; victim_main "$2" "$3"; exit ;;
  --harness) SELF=$0; shift; harness_main "$@"; exit ;;
  --forker) forker_main "$2"; exit ;;
esac

# ----------------------------------------------------------------------------------------------
# pid 1 of the namespace: traps every catchable signal into W/init.trap, runs the driver, and
# reports anything that reached it after the driver's last look.
init_main() {  # W DAEMONIKER PROBE
  local W=$1 drv rc
  if [ $$ -ne 1 ]; then
    echo "FAIL namespace: the --init process is pid $$, not 1 (unshare --pid --fork failed?)"
    exit 1
  fi
  : > "$W/init.trap"
  record_signals "init(1)" "$W/init.trap"
  "${DEFAULT_SIGNALS[@]}" bash "$SELF" --driver "$@" &
  drv=$!
  # Watchdog: every wait in the driver is bounded, this bounds their sum. Killing the driver
  # ends pid 1 (below), hence the namespace and everything in it.
  {
    sleep "${HOSTILE_DEADLINE:-240}"
    echo "FAIL the tests did not finish within ${HOSTILE_DEADLINE:-240} s: the driver is killed"
    kill -KILL "$drv"
  } &
  while :; do
    wait "$drv"
    rc=$?
    kill -0 "$drv" 2>/dev/null || break  # a trapped signal interrupted the wait: wait again
  done
  if [ -s "$W/init.trap" ]; then
    echo "FAIL pid 1 was signalled after the driver's last check: $(tr '\n' ';' < "$W/init.trap")"
    rc=1
  fi
  if [ "$rc" -ge 128 ]; then
    echo "FAIL the test driver died of signal $((rc - 128)) (something signalled it)"
  fi
  exit "$rc"
}

# ----------------------------------------------------------------------------------------------
# The driver.
PASSED=0
FAILED=0
SEEN=0
pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

# Alive: exists and is not a zombie.
alive() {  # PID
  local line
  [ -n "$1" ] || return 1
  { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 1
  line=${line##*) }
  [ "${line:0:1}" != Z ]
}

# Waits (bounded) until FILE exists.
wait_file() {  # FILE [SECONDS]
  local i n=$(( ${2:-5} * 50 ))
  for ((i = 0; i < n; i++)); do
    [ -e "$1" ] && return 0
    sleep 0.02
  done
  return 1
}

# Waits (bounded) until PID is gone (or a zombie).
wait_gone() {  # PID [SECONDS]
  local i n=$(( ${2:-5} * 50 ))
  for ((i = 0; i < n; i++)); do
    alive "$1" || return 0
    sleep 0.02
  done
  return 1
}

# Starts a bystander recording to DIR/NAME.trap; sets VPID. MODE: plain | setsid.
start_victim() {  # NAME DIR MODE
  rm -f "$2/$1.pid" "$2/$1.trap"
  : > "$2/$1.trap"
  if [ "$3" = setsid ]; then
    setsid "${DEFAULT_SIGNALS[@]}" bash "$SELF" --victim "$1" "$2" &
  else
    "${DEFAULT_SIGNALS[@]}" bash "$SELF" --victim "$1" "$2" &
  fi
  VPID=$!
  disown "$VPID"
  if ! wait_file "$2/$1.pid"; then
    echo "victim $1 did not start" >&2
    return 1
  fi
  VPID=$(cat "$2/$1.pid")
}

# Is FILE locked by someone (a non-blocking shared lock fails)?
is_locked() { [ -e "$1" ] && ! flock -n -s "$1" true 2>/dev/null; }

# Global bystanders: V (plain child of the driver, in pid 1's group and session) and VS (in a
# session of its own). Re-created when a check found them signalled or dead.
ensure_victims() {
  if [ -z "${V:-}" ] || ! alive "$V"; then start_victim v "$W/global" plain && V=$VPID; fi
  if [ -z "${VS:-}" ] || ! alive "$VS"; then start_victim vs "$W/global" setsid && VS=$VPID; fi
}

# Collects into PROBLEMS the signals that bystanders recorded and the bystanders that died:
# pid 1, the driver, v and vs, then the args, each LABEL:PID[:TRAPFILE] (PID must be alive; an
# empty PID: the trap file only). A barrier first: each live bystander is sent SIGRTMAX and its
# trap writes TRAPFILE.sync; bash runs pending traps in ascending signal order, so once the sync
# file exists every signal sent to it before (all numbered below SIGRTMAX) is in TRAPFILE. The
# trap files are then moved aside, so that each signal is reported once.
collect_problems() {  # LABEL:PID[:TRAPFILE]...
  local spec label pid file text i pending
  local -a specs=("init:1:$W/init.trap" "driver::$W/driver.trap" "v:$V:$W/global/v.trap"
                  "vs:$VS:$W/global/vs.trap" "$@")
  PROBLEMS=""
  for spec in "${specs[@]}"; do
    label=${spec%%:*} pid=${spec#*:} file=""
    case $pid in *:*) file=${pid#*:} pid=${pid%%:*} ;; esac
    if [ -n "$file" ] && [ -n "$pid" ] && alive "$pid"; then
      rm -f "$file.sync"
      kill -s RTMAX "$pid" 2>/dev/null
    fi
  done
  for ((i = 0; i < 150; i++)); do
    pending=""
    for spec in "${specs[@]}"; do
      label=${spec%%:*} pid=${spec#*:} file=""
      case $pid in *:*) file=${pid#*:} pid=${pid%%:*} ;; esac
      if [ -n "$file" ] && [ -n "$pid" ] && [ ! -e "$file.sync" ] && alive "$pid"; then
        pending+=" $label($pid)"
      fi
    done
    [ -z "$pending" ] && break
    sleep 0.02
  done
  [ -n "$pending" ] && PROBLEMS+=" NO-SYNC[trap never ran in:$pending (stopped?)]"
  for spec in "${specs[@]}"; do
    label=${spec%%:*} pid=${spec#*:} file=""
    case $pid in *:*) file=${pid#*:} pid=${pid%%:*} ;; esac
    if [ -n "$file" ] && [ -s "$file" ]; then
      # Moved before it is read: a signal recorded meanwhile goes to a new file, never lost.
      SEEN=$((SEEN + 1))
      mv -f "$file" "$file.seen$SEEN"
      : >> "$file"
      text=$(tr '\n' ';' < "$file.seen$SEEN")
      PROBLEMS+=" SIGNALLED[$text]"
    fi
    if [ "$label" != driver ] && ! alive "$pid"; then PROBLEMS+=" DEAD[$label pid $pid]"; fi
  done
}

# Runs one command in a fresh harness; sets RC, OUT (stdout+stderr, one line), SPID, GPID and
# HFLOCK/HPID (the lock holder in G's group, STATE lock-grp).
run_harness() {  # H F STATE KIND CMD
  local H=$1
  mkdir -p "$H"
  setsid "${DEFAULT_SIGNALS[@]}" bash "$SELF" --harness "$H" "$2" "$3" "$4" "$5" "$DMK" "$PROBE" > /dev/null 2> "$H/harness.err" &
  disown $!  # ended by end_harness; no job report
  # The command's exit status; G writes it, unless something killed G (then do not wait).
  local i g=""
  RC=timeout-harness
  for ((i = 0; i < (${HARNESS_TIMEOUT:-3} + 5) * 50; i++)); do
    if [ -e "$H/rc" ]; then RC=$(cat "$H/rc"); break; fi
    [ -z "$g" ] && [ -s "$H/G.pid" ] && g=$(cat "$H/G.pid")
    if [ -n "$g" ] && ! alive "$g"; then RC=caller-group-leader-killed; break; fi
    sleep 0.02
  done
  SPID=$(cat "$H/S.pid" 2>/dev/null)
  GPID=$(cat "$H/G.pid" 2>/dev/null)
  HFLOCK=$(cat "$H/holder.flock" 2>/dev/null)
  HPID=$(cat "$H/holder.pid" 2>/dev/null)
  OUT=$(cat "$H/out" "$H/err" 2>/dev/null | tr '\n' ' ')
}

# Ends a harness: its two process groups (S's and G's, which holds the lock holder in lock-grp).
end_harness() {
  [ -n "${GPID:-}" ] && kill -KILL -- "-$GPID" 2>/dev/null
  [ -n "${SPID:-}" ] && kill -KILL -- "-$SPID" 2>/dev/null
  [ -n "${GPID:-}" ] && wait_gone "$GPID" 2
  [ -n "${SPID:-}" ] && wait_gone "$SPID" 2
  GPID="" SPID=""
}

# Describes RC when it is not a plain exit status.
rc_problem() {
  case $RC in
    timeout-harness) echo " HARNESS-TIMEOUT" ;;
    caller-group-leader-killed) echo " NO-EXIT-STATUS[the caller's group leader G was killed before the command ended]" ;;
    124) echo " TIMED-OUT(killed after ${HARNESS_TIMEOUT:-3}s)" ;;
    '' | *[!0-9]*) echo " NO-EXIT-STATUS[$RC]" ;;
    *) if [ "$RC" -ge 128 ]; then echo " DIED[signal $((RC - 128))]"; fi ;;
  esac
}

rc_in() {  # ALLOWED...
  local a
  for a in "$@"; do [ "$RC" = "$a" ] && return 0; done
  return 1
}

# ----------------------------------------------------------------------------------------------
# 1. Hostile pid files: every content x every lock state x every command.
hostile_matrix() {
  local contents="empty 0 1 -1 self pgid sid abc 12abc huge victim victim-sess"
  local states="unlocked lock-sess lock-grp"
  local cmds="stop stop-retry signal reload status send"
  local state content cmd n=0 C F kind class exp_rc exp_file why hf hpid extra
  for state in $states; do
    for content in $contents; do
      for cmd in $cmds; do
        n=$((n + 1))
        ensure_victims
        C=$W/hostile/$n
        mkdir -p "$C"
        F=$C/pid
        : > "$F"
        hf="" hpid=""
        if [ "$state" = lock-sess ]; then
          # The lock is held by a process in a session of its own whose leader (flock) lives:
          # not a session made by daemonization.
          setsid flock -x -n "$F" "${DEFAULT_SIGNALS[@]}" bash "$SELF" --victim holder "$C" &
          hf=$!
          disown "$hf"
          if ! wait_file "$C/holder.pid"; then
            fail "hostile[$state content=$content $cmd]: setup: the lock holder did not start"
            continue
          fi
          hpid=$(cat "$C/holder.pid")
          if ! is_locked "$F"; then
            fail "hostile[$state content=$content $cmd]: setup: the holder does not lock the file"
            kill -KILL -- "-$hf" 2>/dev/null
            continue
          fi
        fi
        case $content in
          empty) kind="=" ;;
          huge) kind="=99999999999999999999" ;;
          victim) kind="=$V" ;;
          victim-sess) kind="=$VS" ;;
          self | pgid | sid) kind=$content ;;
          *) kind="=$content" ;;
        esac
        case $content in
          empty | 0 | -1 | abc | 12abc | huge) class=nopid ;;
          victim | victim-sess) class=live ;;
          *) class=own ;;  # 1, self, pgid, sid: live, but pid 1 or the caller's own
        esac
        # Expected outcome (the contract, /tmp/dmk-contract.md).
        exp_file=any
        [ "$class" != nopid ] && exp_file=kept
        [ "$state" != unlocked ] && exp_file=kept
        case $cmd in
          stop | stop-retry)
            if [ "$state" = unlocked ] && [ "$class" = nopid ]; then
              exp_rc="0" exp_file=removed  # stale: removed, exit 0
            else
              exp_rc="1"
            fi ;;
          signal | reload | send) exp_rc="1" ;;
          status)
            if [ "$state" = unlocked ] && [ "$class" = nopid ]; then exp_rc="1"
            elif [ "$state" = unlocked ] && [ "$class" = live ]; then exp_rc="4"
            else exp_rc="1 4"; fi ;;
        esac
        run_harness "$C/h" "$F" "$state" "$kind" "$cmd"
        why=$(rc_problem)
        # shellcheck disable=SC2086
        rc_in $exp_rc || why+=" EXIT[$RC, want ${exp_rc// / or }]"
        if [ "$cmd" = status ] && [ "$state" = unlocked ] && [ "$class" = live ]; then
          case $OUT in *"not locked"*"--exec"* | *"--exec"*"not locked"*) ;;
            *) why+=" TEXT[status should say 'not locked' and '--exec']" ;; esac
        fi
        [ -e "$C/h/setup-failed" ] && why+=" SETUP[$(cat "$C/h/setup-failed")]"
        if [ "$state" != unlocked ] && [ -e "$F" ] && ! is_locked "$F"; then why+=" LOCK-LOST"; fi
        if [ "$exp_file" = kept ] && [ ! -e "$F" ]; then why+=" PIDFILE-REMOVED"; fi
        if [ "$exp_file" = removed ] && [ -e "$F" ]; then why+=" PIDFILE-NOT-REMOVED(stale)"; fi
        extra=("S:$SPID:$C/h/S.trap" "G:$GPID:$C/h/G.trap")
        [ -n "$hf" ] && extra+=("holder-flock:$hf" "holder:$hpid:$C/holder.trap")
        [ -n "$HFLOCK" ] && extra+=("holder-flock:$HFLOCK" "holder:$HPID:$C/h/holder.trap")
        collect_problems "${extra[@]}"
        why+=$PROBLEMS
        if [ -z "$why" ]; then
          pass "hostile[$state content=$content $cmd]: exit $RC, nothing signalled"
        else
          fail "hostile[$state content=$content $cmd]:$why -- output: $OUT"
        fi
        end_harness
        if [ -n "$hf" ]; then kill -KILL -- "-$hf" 2>/dev/null; wait_gone "$hf" 2; fi
      done
    done
  done
}

# Gives an unrelated new process (a bystander in a session of its own, so its process group and
# session are that number too) exactly pid TARGET, through ns_last_pid. Sets RPID.
force_pid() {  # TARGET NAME DIR
  local try p
  RPID=""
  for try in 1 2 3 4 5 6 7 8; do
    if alive "$1"; then echo "pid $1 is still in use" >&2; return 1; fi
    rm -f "$3/$2.pid"
    : > "$3/$2.trap"
    echo $(( $1 - 1 )) > /proc/sys/kernel/ns_last_pid || return 1
    setsid "${DEFAULT_SIGNALS[@]}" bash "$SELF" --victim "$2" "$3" &
    p=$!
    if [ "$p" = "$1" ] && wait_file "$3/$2.pid" && [ "$(cat "$3/$2.pid")" = "$1" ]; then
      RPID=$p
      disown "$p"
      return 0
    fi
    echo "force_pid: try $try got pid $p, not $1" >&2
    kill -KILL -- "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  return 1
}

# Checks one command run against a pid file whose daemon pid was reused by RPID.
reuse_check() {  # LABEL H F CMD WANT_RC [TEXT]
  local label=$1 H=$2 F=$3 cmd=$4 want=$5 text=${6:-} why
  run_harness "$H" "$F" none keep "$cmd"
  why=$(rc_problem)
  [ "$RC" = "$want" ] || why+=" EXIT[$RC, want $want]"
  if [ -n "$text" ]; then
    case $OUT in *"$text"*) ;; *) why+=" TEXT[want '$text']" ;; esac
  fi
  collect_problems "S:$SPID:$H/S.trap" "G:$GPID:$H/G.trap" "reused:$RPID:$REUSE_DIR/reused.trap"
  why+=$PROBLEMS
  if [ -z "$why" ]; then
    pass "$label: exit $RC, reused pid $RPID and everyone else not signalled"
  else
    fail "$label:$why -- output: $OUT"
  fi
  end_harness
}

# 3a. A daemon's pid exits while its child keeps the lock; the pid is reused by an unrelated
# process. signal/reload/send refuse; status says the session still holds the lock; stop ends
# the daemon's session without touching the reused pid or its group.
reuse_locked() {  # TAG STOPCMD
  local tag=$1 stopcmd=$2 A P D CHILD out why
  A=$W/reuse-locked-$tag
  REUSE_DIR=$A
  mkdir -p "$A"
  P=$A/pid
  ensure_victims
  if ! out=$(timeout 10 "$DMK" start --pidfile "$P" -- bash "$SELF" --forker "$A" 2>&1); then
    fail "reuse-locked[$tag] setup: daemoniker start failed: $out"
    return
  fi
  if ! wait_file "$A/child.pid" || ! wait_file "$A/forker.pid"; then
    fail "reuse-locked[$tag] setup: the daemon did not start its child"
    return
  fi
  D=$(head -n1 "$P" | tr -dc 0-9)
  CHILD=$(cat "$A/child.pid")
  if [ "$D" != "$(cat "$A/forker.pid")" ]; then
    fail "reuse-locked[$tag] setup: the pid file holds '$D', the daemon is $(cat "$A/forker.pid")"
    return
  fi
  touch "$A/go"
  if ! wait_gone "$D" 12; then
    fail "reuse-locked[$tag] setup: the daemon's pid $D did not exit"
    return
  fi
  if ! is_locked "$P" || ! alive "$CHILD"; then
    fail "reuse-locked[$tag] setup: after pid $D exited, its child $CHILD does not hold the lock"
    return
  fi
  if ! force_pid "$D" reused "$A"; then
    fail "reuse-locked[$tag] setup: could not give pid $D to a new process through ns_last_pid"
    kill -KILL "$CHILD" 2>/dev/null
    return
  fi
  pass "reuse-locked[$tag] setup: daemon pid $D exited, child $CHILD holds the lock, pid $D reused by an unrelated process (its own session $RPID)"
  echo "INFO reuse-locked[$tag]: send_probe --inspect: $("$PROBE" --inspect "$P" 2>&1)"
  reuse_check "reuse-locked[$tag] signal HUP must refuse" "$A/signal" "$P" signal 1
  reuse_check "reuse-locked[$tag] reload must refuse" "$A/reload" "$P" reload 1
  reuse_check "reuse-locked[$tag] library send() (send_probe) must throw" "$A/send" "$P" send 1
  reuse_check "reuse-locked[$tag] status: 0, the session still holds the lock" "$A/status" "$P" status 0 "still hold"
  HARNESS_TIMEOUT=10 reuse_check "reuse-locked[$tag] $stopcmd ends the daemon's session" "$A/stop" "$P" "$stopcmd" 0
  why=""
  wait_gone "$CHILD" 3 || why+=" the lock-holding child $CHILD still runs"
  if [ -e "$P" ] && is_locked "$P"; then why+=" the pid file is still locked"; fi
  if [ -z "$why" ]; then
    pass "reuse-locked[$tag] after $stopcmd: the daemon's session is gone and the lock released"
  else
    fail "reuse-locked[$tag] after $stopcmd:$why"
  fi
  collect_problems "reused:$RPID:$A/reused.trap"
  if [ -z "$PROBLEMS" ]; then
    pass "reuse-locked[$tag] after $stopcmd: the reused pid $RPID (and its group) is alive and was never signalled"
  else
    fail "reuse-locked[$tag] after $stopcmd:$PROBLEMS"
  fi
  kill -KILL -- "-$RPID" 2>/dev/null
  kill -KILL "$CHILD" 2>/dev/null
  wait_gone "$RPID" 2
}

# 3b. A stale, unlocked pid file (its daemon was SIGKILLed and could not remove it) whose pid is
# reused by an unrelated process: nothing signalled, status 4, stop exits 1 and keeps the file.
reuse_stale() {
  local B P D out
  B=$W/reuse-stale
  REUSE_DIR=$B
  mkdir -p "$B"
  P=$B/pid
  ensure_victims
  if ! out=$(timeout 10 "$DMK" start --pidfile "$P" -- sleep 1000 2>&1); then
    fail "reuse-stale setup: daemoniker start failed: $out"
    return
  fi
  D=$(head -n1 "$P" | tr -dc 0-9)
  if [ -z "$D" ] || ! alive "$D"; then
    fail "reuse-stale setup: no live daemon pid in $P ('$D')"
    return
  fi
  kill -KILL "$D"
  if ! wait_gone "$D" 5 || [ ! -e "$P" ] || is_locked "$P"; then
    fail "reuse-stale setup: after SIGKILL of $D the pid file should be left, unlocked"
    return
  fi
  if ! force_pid "$D" reused "$B"; then
    fail "reuse-stale setup: could not give pid $D to a new process through ns_last_pid"
    return
  fi
  pass "reuse-stale setup: daemon $D killed with SIGKILL, its unlocked pid file left, pid $D reused by an unrelated process"
  echo "INFO reuse-stale: send_probe --inspect: $("$PROBE" --inspect "$P" 2>&1)"
  local c
  reuse_check "reuse-stale status: 4, 'not locked'" "$B/status" "$P" status 4 "not locked"
  case $OUT in *--exec*) pass "reuse-stale status names --exec" ;;
    *) fail "reuse-stale status should name --exec -- output: $OUT" ;; esac
  for c in signal reload send stop stop-retry; do
    reuse_check "reuse-stale $c must refuse" "$B/$c" "$P" "$c" 1
    if [ -e "$P" ]; then
      pass "reuse-stale $c kept the pid file (its pid is alive)"
    else
      fail "reuse-stale $c removed the pid file while its pid $D is alive"
      echo "$D" > "$P"  # put it back for the next command
    fi
  done
  kill -KILL -- "-$RPID" 2>/dev/null
  wait_gone "$RPID" 2
}

# Control: the checks can see a signal at all, and a real daemon IS signalled (the tests above
# would pass vacuously against a command that never signals anything).
controls() {
  local K P D why
  kill -HUP 1
  for _ in $(seq 50); do [ -s "$W/init.trap" ] && break; sleep 0.02; done
  if grep -q SIGHUP "$W/init.trap"; then
    pass "control: a SIGHUP sent to pid 1 is recorded by its trap"
  else
    fail "control: a SIGHUP sent to pid 1 was not recorded: the pid 1 detector does not work"
  fi
  : > "$W/init.trap"
  kill -USR1 "$VS"
  for _ in $(seq 50); do [ -s "$W/global/vs.trap" ] && break; sleep 0.02; done
  if grep -q SIGUSR1 "$W/global/vs.trap"; then
    pass "control: a SIGUSR1 sent to a bystander is recorded by its trap"
  else
    fail "control: a SIGUSR1 sent to a bystander was not recorded: the detector does not work"
  fi
  : > "$W/global/vs.trap"
  if [ ${#DEFAULT_SIGNALS[@]} -gt 0 ]; then
    kill -INT "$V"
    for _ in $(seq 50); do [ -s "$W/global/v.trap" ] && break; sleep 0.02; done
    if grep -q SIGINT "$W/global/v.trap"; then
      pass "control: a SIGINT sent to a bystander started in the background is recorded by its trap"
    else
      fail "control: a SIGINT sent to a bystander started in the background was not recorded"
    fi
    : > "$W/global/v.trap"
  fi

  K=$W/control
  mkdir -p "$K"
  P=$K/pid
  if ! out=$(timeout 10 "$DMK" start --pidfile "$P" -- bash "$SELF" --victim daemon "$K" 2>&1) ||
     ! wait_file "$K/daemon.pid"; then
    fail "control: daemoniker start of a real daemon failed: $out"
    return
  fi
  D=$(cat "$K/daemon.pid")
  run_harness "$K/signal" "$P" none keep signal
  why=$(rc_problem)
  [ "$RC" = 0 ] || why+=" EXIT[$RC, want 0]"
  collect_problems "S:$SPID:$K/signal/S.trap" "G:$GPID:$K/signal/G.trap" "daemon:$D:$K/daemon.trap"
  case $PROBLEMS in *"daemon($D) got SIGHUP"*) PROBLEMS=${PROBLEMS/" SIGNALLED[daemon($D) got SIGHUP;]"/} ;;
    *) why+=" the daemon did not get SIGHUP" ;; esac
  why+=$PROBLEMS
  end_harness
  if [ -z "$why" ]; then pass "control: signal HUP reaches a real daemon (pid $D), and only it"
  else fail "control: signal HUP to a real daemon:$why -- output: $OUT"; fi

  : > "$K/daemon.trap"
  run_harness "$K/send" "$P" none keep send
  why=$(rc_problem)
  [ "$RC" = 0 ] || why+=" EXIT[$RC, want 0]"
  collect_problems "S:$SPID:$K/send/S.trap" "G:$GPID:$K/send/G.trap" "daemon:$D:$K/daemon.trap"
  case $PROBLEMS in *"daemon($D) got SIGHUP"*) PROBLEMS=${PROBLEMS/" SIGNALLED[daemon($D) got SIGHUP;]"/} ;;
    *) why+=" the daemon did not get signal 1" ;; esac
  why+=$PROBLEMS
  end_harness
  if [ -z "$why" ]; then pass "control: library send() reaches a real daemon (pid $D), and only it"
  else fail "control: library send() to a real daemon:$why -- output: $OUT"; fi

  # The daemon traps TERM; its child (sleep) holds the lock too: stop must escalate to KILL and
  # end the whole daemonization-made session.
  HARNESS_TIMEOUT=10 run_harness "$K/stop" "$P" none keep stop-retry
  why=$(rc_problem)
  [ "$RC" = 0 ] || why+=" EXIT[$RC, want 0]"
  wait_gone "$D" 3 || why+=" the daemon $D still runs"
  if [ -e "$P" ] && is_locked "$P"; then why+=" the pid file is still locked (a child of the daemon holds it)"; fi
  [ -e "$P" ] && why+=" the pid file was not removed"
  collect_problems "S:$SPID:$K/stop/S.trap" "G:$GPID:$K/stop/G.trap"
  why+=$PROBLEMS
  end_harness
  if [ -z "$why" ]; then pass "control: stop --retry TERM/1/KILL/1 ends a real daemon and its children, nobody else signalled"
  else fail "control: stop of a real daemon:$why -- output: $OUT"; fi
  kill -KILL "$D" 2>/dev/null
}

driver_main() {  # W DAEMONIKER PROBE
  W=$1 DMK=$2 PROBE=$3
  local started=$SECONDS
  mkdir -p "$W/global" "$W/hostile"
  : > "$W/driver.trap"
  record_signals "driver($$)" "$W/driver.trap"
  # Preconditions: never skip silently.
  if [ "$(tr '\0' ' ' < /proc/1/cmdline)" != "bash $SELF --init $W $DMK $PROBE " ]; then
    fail "namespace: pid 1 is not this test's init (is /proc the namespace's? --mount-proc): $(tr '\0' ' ' < /proc/1/cmdline)"
    exit 1
  fi
  if [ "$(cut -d' ' -f6 /proc/1/stat)" != 1 ] || [ "$(cut -d' ' -f5 /proc/1/stat)" != 1 ]; then
    fail "namespace: pid 1 is not the leader of session 1 and group 1 (setsid failed)"
    exit 1
  fi
  local tool
  for tool in flock setsid timeout seq; do
    command -v "$tool" > /dev/null || { fail "setup: '$tool' is not installed"; exit 1; }
  done
  local last
  last=$(cat /proc/sys/kernel/ns_last_pid)
  if ! echo "$last" > /proc/sys/kernel/ns_last_pid 2>/dev/null; then
    fail "setup: cannot write /proc/sys/kernel/ns_last_pid (needs CAP_SYS_ADMIN in the namespace): the forced pid reuse cannot run"
    exit 1
  fi
  if [ ${#DEFAULT_SIGNALS[@]} -eq 0 ]; then
    echo "INFO env --default-signal is not available: bystanders started in the background cannot record SIGINT and SIGQUIT (a SIGKILL is still seen as a death)"
  fi
  ensure_victims
  if [ -z "${V:-}" ] || [ -z "${VS:-}" ]; then fail "setup: the bystanders did not start"; exit 1; fi
  pass "namespace: this test is pid 1's child in a private pid namespace; bystanders v=$V (pid 1's group) and vs=$VS (own session)"

  controls
  hostile_matrix
  reuse_locked stop stop
  reuse_locked retry stop-retry
  reuse_stale

  echo "RESULT: $PASSED passed, $FAILED failed ($((SECONDS - started)) s)"
  [ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
}

# ----------------------------------------------------------------------------------------------
# Outer: check the tools, run the namespace, wait for it (its death ends every process in it).
outer_main() {  # DAEMONIKER PROBE
  if [ $# -ne 2 ]; then
    echo "usage: hostile_test.sh DAEMONIKER SEND_PROBE" >&2
    exit 2
  fi
  local dmk=$1 probe=$2 base W rc
  case $dmk in /*) ;; *) dmk=$PWD/$dmk ;; esac
  case $probe in /*) ;; *) probe=$PWD/$probe ;; esac
  [ -x "$dmk" ] || { echo "FAIL setup: $dmk is not an executable"; exit 1; }
  [ -x "$probe" ] || { echo "FAIL setup: $probe is not an executable"; exit 1; }
  if ! command -v unshare > /dev/null; then
    echo "FAIL setup: unshare (util-linux) is not installed: the hostile tests run only inside a private pid namespace"
    exit 1
  fi
  if ! out=$(unshare --pid --fork --mount-proc true 2>&1); then
    echo "FAIL setup: 'unshare --pid --fork --mount-proc' does not work here ($out): run as root, outside a sandbox that forbids namespaces (tag no-sandbox)"
    exit 1
  fi
  base=${TEST_TMPDIR:-${TMPDIR:-/tmp}}
  W=$(mktemp -d "$base/hostile.XXXXXX") || exit 1
  # --kill-child: if unshare dies, pid 1 is SIGKILLed and the kernel ends the whole namespace.
  # unshare blocks SIGTERM and SIGINT, so a TERM for this test (Bazel's timeout, Ctrl-C) kills it
  # outright. pid 1 bounds the run itself (a watchdog in the namespace).
  unshare --pid --fork --mount-proc --kill-child setsid bash "$SELF" --init "$W" "$dmk" "$probe" &
  UNSHARE_PID=$!
  trap 'echo "FAIL interrupted: the namespace is ended"; kill -KILL "$UNSHARE_PID" 2>/dev/null; wait "$UNSHARE_PID"; exit 1' TERM INT HUP
  wait "$UNSHARE_PID"
  rc=$?
  trap - TERM INT HUP
  # No process of this test may outlive the namespace (none can leave it; this proves it).
  local p left=""
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' < "$p/cmdline" | grep -qF -- "$W"; } 2>/dev/null; then left+=" ${p#/proc/}"; fi
  done
  if [ -n "$left" ]; then
    echo "FAIL processes of the test are left outside the namespace:$left"
    rc=1
  else
    echo "PASS no process of the test is left after the namespace ended"
  fi
  [ -z "${TEST_TMPDIR:-}" ] && [ "$rc" -eq 0 ] && rm -rf "$W"
  [ "$rc" -ne 0 ] && echo "(work directory: $W)"
  exit "$rc"
}

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
case ${1:-} in
  --init) shift; init_main "$@" ;;
  --driver) shift; driver_main "$@" ;;
  *) outer_main "$@" ;;
esac
