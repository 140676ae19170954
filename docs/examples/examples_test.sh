#!/usr/bin/env bash
# Runs every documented example as a user would, and checks what the docs say it does.
#   examples_test.sh NAME=PATH...     one argument per example (//docs/examples:examples_test)
#
# Each example NAME has a function check_NAME below; an example without one, or a check without
# its example, is a failure. Examples with fixed paths (/run, /var/log, /srv) run in a private
# mount namespace where those are directories of this test (see `private`): that needs root, and
# without it the test says why and fails. No process outlives the test: every process an
# example starts carries EXAMPLES_TEST_MARK=<run dir>:<example> in its environment; after each
# example, one still alive is a failure, and the EXIT trap kills whatever is left.
set -uo pipefail
declare -A bin
for arg; do
  path=${arg#*=}
  [[ $path == /* ]] || path=$PWD/$path  # some examples run in a directory of their own
  bin[${arg%%=*}]=$path
done
run=$(mktemp -d "${TEST_TMPDIR:-/tmp}/examples.XXXXXX")
failures=0 example=none

fail() { echo "FAIL: $example: $*"; failures=$((failures + 1)); }
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
reaped() { [[ ! -e /proc/$1 ]]; }
wait_gone() { for _ in $(seq 200); do alive "$1" || return 0; sleep 0.025; done; return 1; }
wait_reaped() { for _ in $(seq 200); do reaped "$1" && return 0; sleep 0.025; done; return 1; }
wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.025; done; return 1; }
wait_file() { for _ in $(seq 200); do [[ -s $1 ]] && return 0; sleep 0.025; done; return 1; }
# field PID N: field N of /proc/PID/stat (6: session, 7: controlling terminal, 19: nice).
field() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }
  read -ra stat <<<"$stat"
  echo "${stat[$2 - 3]}"
}
# blocks PID SIGNUM: the process's main thread has the signal blocked.
blocks() {
  local mask
  mask=$(sed -n 's/^SigBlk:\s*//p' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $mask ]] && (((0x$mask >> ($2 - 1)) & 1))
}
# The processes the current example started that are still alive.
started() {
  local f p
  for f in $(grep -lzxF "EXAMPLES_TEST_MARK=$run:$example" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/} p=${p%/environ}
    alive "$p" && echo "$p"
  done
}
cleanup() {  # nothing outlives the test, whatever happened
  local f p
  for f in $(grep -lzF "EXAMPLES_TEST_MARK=$run:" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/} p=${p%/environ}
    kill -KILL "$p" 2>/dev/null
  done
}
trap cleanup EXIT

# marked CMD...: runs CMD with the current example's mark in its environment.
marked() { env "EXAMPLES_TEST_MARK=$run:$example" "$@"; }
# private DIR CMD...: runs CMD (marked, by exec: the same pid) in a mount namespace of its own,
# where /run, /var/log and /srv are DIR/run, DIR/log and DIR/srv: an example's fixed paths touch
# nothing of the machine's, and parallel runs of this test do not meet. private_cmd DIR sets
# the array `cmd` to the command that does this, for CMD to be appended.
private_cmd() {
  mkdir -p "$1/run" "$1/log" "$1/srv"
  cmd=(env "EXAMPLES_TEST_MARK=$run:$example" unshare --mount --propagation private -- /bin/sh -c '
    dir=$1
    shift
    mount --bind "$dir/run" /run && mount --bind "$dir/log" /var/log &&
      mount --bind "$dir/srv" /srv && exec "$@"' sh "$1")
}
private() {
  local cmd
  private_cmd "$1"
  shift
  "${cmd[@]}" "$@"
}
# wait_none_started: waits (5 s at most) until no process of the current example is alive.
wait_none_started() { for _ in $(seq 200); do [[ -z $(started) ]] && return 0; sleep 0.025; done; return 1; }

# quickstart: starts, holds a locked pid file, refuses a second start, stops on SIGTERM.
check_quickstart() {
  local quickstart=${bin[quickstart]} pid out status
  marked "$quickstart" "$run" || fail "quickstart exited $?"
  pid=$(cat "$run/quickstart.pid")
  [[ $pid =~ ^[0-9]+$ ]] || fail "pid file holds '$pid'"
  alive "$pid" || fail "daemon $pid is not running"
  flock -n "$run/quickstart.pid" true && fail "pid file is not locked"
  wait_for "$run/quickstart.log" "daemon $pid started" || fail "no start line in the log"
  out=$(marked "$quickstart" "$run" 2>&1) && fail "second start succeeded"
  [[ $out == *"already running (pid $pid)"* ]] || fail "second start said: $out"
  kill -TERM "$pid"
  wait_gone "$pid" || fail "daemon $pid ignored SIGTERM"
  [[ -e $run/quickstart.pid ]] && fail "pid file left after a normal exit"
  grep -q "SIGTERM received, stopping" "$run/quickstart.log" || fail "no stop line in the log"
  out=$(marked "$quickstart" "$run" --fail 2>&1); status=$?
  [[ $status == 1 ]] || fail "--fail exited $status"
  [[ $out == *"stdout redirect: cannot open stdout_goto"*"No such file or directory"* ]] ||
    fail "--fail said: $out"
  [[ -e $run/quickstart.pid ]] && fail "pid file left after a failed start"
}

# context: the parent branch runs after confirmation with value-initialized args; the daemon
# gets the setup's values, works for two seconds and exits, removing its pid file.
check_context() {
  local out pid
  out=$(marked "${bin[context]}" "$run") || fail "context exited $?"
  [[ $out == "parent: daemon confirmed; pid file exists; preserved args here: 0 ''" ]] ||
    fail "context parent said: $out"
  wait_for "$run/context.log" "port 7070, greeting 'hello from setup'" || fail "context daemon log"
  pid=$(sed -n 's/^daemon \([0-9]*\):.*/\1/p' "$run/context.log")
  [[ -n $pid ]] || { fail "no daemon line in context.log"; return; }
  wait_reaped "$pid" || fail "the daemon $pid did not exit after its two seconds of work"
  [[ -e $run/context.pid ]] && fail "pid file left after the daemon's normal exit"
}

# custom_policy: inherited fds stay open but close-on-exec.
check_custom_policy() {
  marked "${bin[custom_policy]}" "$run" || fail "custom_policy exited $?"
  wait_for "$run/custom.log" "is open, close-on-exec yes" || fail "custom policy: $(cat "$run/custom.log")"
  [[ ! -e $run/custom.pid ]] || wait_gone "$(cat "$run/custom.pid")" || fail "its daemon did not end"
}

# try_foreground (docs/api.md): a failure is logged and the program serves in the foreground;
# on success the invoking process returns 0 and the daemon serves.
check_try_foreground() {
  local try_foreground=${bin[try_foreground]} out status
  out=$(marked "$try_foreground" "$run" --fail 2>&1); status=$?
  [[ $status == 0 ]] || fail "try_foreground --fail exited $status"
  [[ $out == "web: running in the foreground: cannot daemonize: pid file: the pid file's directory"*"create it first"* ]] ||
    fail "try_foreground --fail said: $out"
  grep -qx "serving on :8080 in pid [0-9]*" "$run/serve.log" || fail "no foreground serve line"
  : >"$run/serve.log"
  marked "$try_foreground" "$run" || fail "try_foreground exited $?"
  wait_for "$run/serve.log" "serving on :8080" || fail "the daemon did not serve"
  [[ ! -e $run/web.pid ]] || wait_gone "$(cat "$run/web.pid")" || fail "try_foreground's daemon did not end"
}

# smallest (README): exits 0 at once; the daemon runs in "/" in a new session it does not lead,
# with no terminal, stdout to /var/log/echo.log, and its pid in /run/echo.pid, locked. SIGTERM
# stops it (and it is reaped); killed by a signal, it leaves its pid file unlocked, and the next
# start reclaims it.
check_smallest() {
  local d=$run/smallest out pid sid
  out=$(private "$d" "${bin[smallest]}" 2>&1) || { fail "exited $?: $out"; return; }
  [[ -z $out ]] || fail "printed: $out"
  pid=$(cat "$d/run/echo.pid" 2>/dev/null)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || { fail "/run/echo.pid holds '$pid', not a live daemon"; return; }
  flock -n "$d/run/echo.pid" true && fail "the pid file is not locked"
  sid=$(field "$pid" 6)
  [[ $sid != "$(field $$ 6)" ]] || fail "the daemon $pid is in the test's session $sid"
  [[ $sid != "$pid" ]] || fail "the daemon $pid leads its session: it could get a terminal"
  [[ $(field "$pid" 7) == 0 ]] || fail "the daemon $pid has a controlling terminal"
  [[ $(readlink "/proc/$pid/cwd") == / ]] || fail "its working directory is $(readlink "/proc/$pid/cwd")"
  [[ -f $d/log/echo.log && $(readlink "/proc/$pid/fd/1") == */echo.log ]] ||
    fail "its stdout is $(readlink "/proc/$pid/fd/1"), not /var/log/echo.log"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
  out=$(private "$d" "${bin[smallest]}" 2>&1) || fail "a start after SIGTERM exited $?: $out"
  local again
  again=$(cat "$d/run/echo.pid" 2>/dev/null)
  [[ $again =~ ^[0-9]+$ && $again != "$pid" ]] && alive "$again" ||
    fail "the stale pid file was not reclaimed: it holds '$again'"
  kill -TERM "$again" 2>/dev/null
  wait_reaped "$again" || fail "the second daemon $again was not stopped and reaped"
}

# ready_daemon (docs/systemd.md, readiness): when load_config() fails, the shell sees the
# daemon's message and its status 6, and nothing is left; otherwise the invoking process waits
# while the daemon warms up, and exits 0 only once the daemon called notify_ready().
check_ready_daemon() {
  local d=$run/ready out status inv pid
  mkdir -p "$d/run"
  out=$(private "$d" "${bin[ready_daemon]}" 2>&1); status=$?
  [[ $status == 6 ]] || fail "with no configuration it exited $status, not 6"
  [[ $out == *"cannot read /etc/web.conf: Permission denied" ]] || fail "with no configuration it said: $out"
  [[ -e $d/run/web.pid ]] && fail "a pid file was left after notify_failed()"
  [[ -e $d/run/web.warming ]] && fail "the daemon went on after notify_failed()"
  wait_none_started || fail "processes left after notify_failed(): $(started)"

  touch "$d/run/web.conf"
  private "$d" "${bin[ready_daemon]}" >"$d/out" 2>&1 &
  inv=$!
  wait_file "$d/run/web.warming" || { fail "the daemon never reached warm_caches(): $(cat "$d/out")"; return; }
  pid=$(cat "$d/run/web.pid")
  [[ $pid == "$(cat "$d/run/web.warming")" && $pid != "$inv" ]] ||
    fail "the pid file holds '$pid', the daemon warming up is $(cat "$d/run/web.warming")"
  sleep 0.3
  alive "$inv" || fail "the invoking process exited before the daemon called notify_ready()"
  touch "$d/run/web.go"  # warm_caches() returns, notify_ready() follows
  wait_gone "$inv" || fail "the invoking process did not exit after notify_ready()"
  wait "$inv"; status=$?
  [[ $status == 0 ]] || fail "after notify_ready() the invoking process exited $status: $(cat "$d/out")"
  [[ -s $d/out ]] && fail "the invoking process printed: $(cat "$d/out")"
  alive "$pid" || fail "the daemon $pid is not serving"
  kill -TERM "$pid" 2>/dev/null
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
}

# socket_activation (docs/systemd.md): started as systemd starts a socket-activated service, it
# does not fork (the pid file holds the started process's pid), serves the socket named http,
# finds the LISTEN_* variables removed, and exits 0 removing its pid file.
check_socket_activation() {
  local d=$run/activation pid reply status cmd
  mkdir -p "$d"
  # systemd's side: a listening socket on fd 3, LISTEN_PID = this process, then exec.
  private_cmd "$d"
  (cd "$d" && exec python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("web.sock")
s.listen(4)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1", LISTEN_FDNAMES="http")
os.execvp(sys.argv[1], sys.argv[1:])' "${cmd[@]}" "${bin[socket_activation]}") >"$d/out" 2>&1 &
  pid=$!
  wait_file "$d/run/web.pid" || { fail "no pid file: $(cat "$d/out")"; return; }
  [[ $(cat "$d/run/web.pid") == "$pid" ]] ||
    fail "it forked: the pid file holds $(cat "$d/run/web.pid"), the started process is $pid"
  wait_for "$d/out" "serving http on fd 3 in pid $pid; LISTEN_\* removed" ||
    fail "serve() said: $(cat "$d/out")"
  reply=$(cd "$d" && timeout 10 python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("web.sock")
print(s.makefile().readline(), end="")')
  [[ $reply == "hello from the http socket" ]] || fail "the socket answered '$reply'"
  wait_gone "$pid" || fail "it did not return after serving"
  wait "$pid"; status=$?
  [[ $status == 0 ]] || fail "it exited $status: $(cat "$d/out")"
  [[ -e $d/run/web.pid ]] && fail "pid file left after a normal exit"
}

# privilege_drop (docs/systemd.md): the daemon runs as www-data (its groups only), chrooted into
# /srv/jail with "/" as its working directory, niceness 5, no core dumps, only PATH and LANG in
# its environment, and cannot become root again.
check_privilege_drop() {
  local d=$run/privileges out pid uid gid groups
  uid=$(id -u www-data 2>/dev/null) gid=$(id -g www-data 2>/dev/null) groups=$(id -G www-data 2>/dev/null) ||
    { fail "there is no user www-data to drop to"; return; }
  mkdir -p "$d/srv/jail" && chmod 0777 "$d/srv/jail"  # the daemon, www-data, reports there
  out=$(LANG=C.UTF-8 UNKEPT=1 private "$d" "${bin[privilege_drop]}" 2>&1) || { fail "exited $?: $out"; return; }
  pid=$(cat "$d/run/web.pid" 2>/dev/null)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || { fail "/run/web.pid holds '$pid', not a live daemon"; return; }
  wait_for "$d/srv/jail/report" "^setuid" || fail "no report in the jail"
  local want="uid $uid $uid, gid $gid $gid, groups $groups
nice 5, core 0 0
cwd /
root /report
environment PATH LANG
setuid(0) fails"
  [[ $(cat "$d/srv/jail/report") == "$want" ]] ||
    fail "the daemon reported:"$'\n'"$(cat "$d/srv/jail/report")"$'\n'"not:"$'\n'"$want"
  grep -q "^Uid:\s*$uid\s*$uid\s*$uid\s*$uid$" "/proc/$pid/status" || fail "$(grep ^Uid: "/proc/$pid/status")"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
}

# signals (docs/api.md): SIGHUP calls on_reload's callback and the daemon goes on; SIGTERM makes
# wait() return, and main's return removes the pid file.
check_signals() {
  local d=$run/signals out pid
  out=$(private "$d" "${bin[signals]}" 2>&1) || { fail "exited $?: $out"; return; }
  pid=$(cat "$d/run/echo.pid" 2>/dev/null)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || { fail "/run/echo.pid holds '$pid', not a live daemon"; return; }
  for _ in $(seq 200); do blocks "$pid" 1 && break; sleep 0.025; done  # signals.start() ran
  blocks "$pid" 1 || fail "the daemon never blocked SIGHUP for its signal_handler"
  kill -HUP "$pid"
  wait_for "$d/run/echo.reloads" "^$pid$" || fail "SIGHUP did not call reload_config()"
  kill -HUP "$pid"
  for _ in $(seq 200); do [[ $(grep -c "^$pid$" "$d/run/echo.reloads") == 2 ]] && break; sleep 0.025; done
  [[ $(grep -c "^$pid$" "$d/run/echo.reloads") == 2 ]] || fail "a second SIGHUP did not reload"
  alive "$pid" || fail "SIGHUP ended the daemon"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
  [[ -e $d/run/echo.pid ]] && fail "pid file left after wait() returned and main returned"
}

# context_outline (README): the setup's values reach the daemon, which runs in "/" with its pid
# in app.pid where it was started; its normal exit removes the pid file.
check_context_outline() {
  local d=$run/outline out pid
  mkdir -p "$d"
  out=$(cd "$d" && marked "${bin[context_outline]}" 2>&1) || { fail "exited $?: $out"; return; }
  [[ -z $out ]] || fail "printed: $out"
  pid=$(cat "$d/app.pid" 2>/dev/null)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || { fail "app.pid holds '$pid', not a live daemon"; return; }
  wait_for "$d/app.report" "^daemon $pid: port 7000, name 'echo', cwd /$" ||
    fail "the daemon reported: $(cat "$d/app.report")"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
  [[ -e $d/app.pid ]] && fail "pid file left after a normal exit"
}

# portable_context (docs/windows.md, the same code on Linux): the aggregate config reaches the
# daemon, whose stdout is app.log; the pid file is the file named C:\ProgramData\app\app.pid.
check_portable_context() {
  local d=$run/portable out pid pid_file
  mkdir -p "$d"
  pid_file=$d/'C:\ProgramData\app\app.pid'
  out=$(cd "$d" && marked "${bin[portable_context]}" 2>&1) || { fail "exited $?: $out"; return; }
  pid=$(cat "$pid_file" 2>/dev/null)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || { fail "the pid file holds '$pid', not a live daemon"; return; }
  wait_for "$d/app.log" "^daemon $pid: port 8080, name 'web'$" || fail "app.log: $(cat "$d/app.log")"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
  [[ -e $pid_file ]] && fail "pid file left after a normal exit"
}

# quiet (README, docs/policies.md): no pid file is written (not even "ignored"), the inherited
# descriptor is swept, the daemon is in a new session it does not lead.
check_quiet() {
  local d=$run/quiet out report pid sid
  mkdir -p "$d"
  out=$(cd "$d" && marked "${bin[quiet]}" 2>&1) || { fail "exited $?: $out"; return; }
  wait_for "$d/quiet.report" "inherited fd" || { fail "no report"; return; }
  report=$(cat "$d/quiet.report")
  [[ $report =~ ^daemon\ ([0-9]+):\ session\ ([0-9]+),\ inherited\ fd\ [0-9]+\ closed$ ]] ||
    { fail "the daemon reported: $report"; return; }
  pid=${BASH_REMATCH[1]} sid=${BASH_REMATCH[2]}
  [[ $sid != "$pid" && $sid != "$(field $$ 6)" ]] || fail "the daemon $pid is in session $sid"
  [[ $(ls -A "$d") == quiet.report ]] || fail "it left files: $(ls -A "$d" | tr '\n' ' ')"
  kill -TERM "$pid"
  wait_reaped "$pid" || fail "the daemon $pid was not stopped and reaped"
}

if ! out=$(example=preflight private "$run/preflight" /bin/true 2>&1); then
  echo "FAIL: cannot run the examples with fixed paths: a private mount namespace with /run,"
  echo "/var/log and /srv bound to the test's directories needs root (unshare --mount): $out"
  exit 1
fi

for name in "${!bin[@]}"; do
  declare -F "check_$name" >/dev/null || { example=$name; fail "no checks for this example"; }
done
for check in $(declare -F | sed -n 's/^declare -f check_//p'); do
  example=$check
  [[ -n ${bin[$check]:-} ]] || { fail "has checks but was not given to the test"; continue; }
  echo "== $example"
  before=$failures SECONDS=0
  "check_$check"
  wait_none_started
  left=$(started)
  if [[ -n $left ]]; then
    fail "processes left behind: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
    for p in $left; do kill -KILL "$p" 2>/dev/null; done
  fi
  ((failures == before)) && echo "ok ($SECONDS s)"
done

echo "$failures failure(s)"
exit $((failures > 0))
