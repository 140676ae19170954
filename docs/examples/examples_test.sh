#!/usr/bin/env bash
# Runs the documented examples as a user would, and checks what the docs promise.
#   examples_test.sh QUICKSTART CONTEXT CUSTOM_POLICY TRY_FOREGROUND
set -uo pipefail
quickstart=$1 context=$2 custom=$3 try_foreground=$4
run=$(mktemp -d "${TEST_TMPDIR:-/tmp}/examples.XXXXXX")
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
wait_gone() { for _ in $(seq 200); do alive "$1" || return 0; sleep 0.025; done; return 1; }
wait_for() { for _ in $(seq 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.025; done; return 1; }
cleanup() {  # no daemon outlives the test, whatever happened
  for f in "$run"/*.pid; do [[ -f $f ]] && kill -KILL "$(cat "$f")" 2>/dev/null; done
}
trap cleanup EXIT

# quickstart: starts, holds a locked pid file, refuses a second start, stops on SIGTERM.
"$quickstart" "$run" || fail "quickstart exited $?"
pid=$(cat "$run/quickstart.pid")
[[ $pid =~ ^[0-9]+$ ]] || fail "pid file holds '$pid'"
alive "$pid" || fail "daemon $pid is not running"
flock -n "$run/quickstart.pid" true && fail "pid file is not locked"
wait_for "$run/quickstart.log" "daemon $pid started" || fail "no start line in the log"
out=$("$quickstart" "$run" 2>&1) && fail "second start succeeded"
[[ $out == *"already running (pid $pid)"* ]] || fail "second start said: $out"
kill -TERM "$pid"
wait_gone "$pid" || fail "daemon $pid ignored SIGTERM"
[[ -e $run/quickstart.pid ]] && fail "pid file left after a normal exit"
grep -q "SIGTERM received, stopping" "$run/quickstart.log" || fail "no stop line in the log"
out=$("$quickstart" "$run" --fail 2>&1); status=$?
[[ $status == 1 ]] || fail "--fail exited $status"
[[ $out == *"stdout redirect: cannot open stdout_goto"*"No such file or directory"* ]] ||
  fail "--fail said: $out"
[[ -e $run/quickstart.pid ]] && fail "pid file left after a failed start"

# context: the parent branch runs after confirmation with value-initialized args.
out=$("$context" "$run") || fail "context exited $?"
[[ $out == "parent: daemon confirmed; pid file exists; preserved args here: 0 ''" ]] ||
  fail "context parent said: $out"
wait_for "$run/context.log" "port 7070, greeting 'hello from setup'" || fail "context daemon log"

# custom_policy: inherited fds stay open but close-on-exec.
"$custom" "$run" || fail "custom_policy exited $?"
wait_for "$run/custom.log" "is open, close-on-exec yes" || fail "custom policy: $(cat "$run/custom.log")"

# try_foreground (docs/api.md): a failure is logged and the program serves in the foreground;
# on success the invoking process returns 0 and the daemon serves.
out=$("$try_foreground" "$run" --fail 2>&1); status=$?
[[ $status == 0 ]] || fail "try_foreground --fail exited $status"
[[ $out == "web: running in the foreground: cannot daemonize: pid file: the pid file's directory"*"create it first"* ]] ||
  fail "try_foreground --fail said: $out"
grep -qx "serving on :8080 in pid [0-9]*" "$run/serve.log" || fail "no foreground serve line"
: >"$run/serve.log"
"$try_foreground" "$run" || fail "try_foreground exited $?"
wait_for "$run/serve.log" "serving on :8080" || fail "the daemon did not serve"
[[ ! -e $run/web.pid ]] || wait_gone "$(cat "$run/web.pid")" || fail "try_foreground's daemon did not end"

echo "$failures failure(s)"
exit $((failures > 0))
