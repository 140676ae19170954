#!/usr/bin/env bash
# Runs the guided tour (tools/tour.sh) against the built binaries, checks what it shows, and that
# it leaves nothing behind — also when it is interrupted as by Ctrl-C.
#   tour_test.sh ECHO_SERVER DAEMONIKER TOUR_SH
set -uo pipefail
echo_server=$1 cli=$2 tour=$3
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/tour_test.XXXXXX")
bin=$tmp/bin
mkdir "$bin" && cp -L "$echo_server" "$bin/echo_server" && cp -L "$cli" "$bin/daemoniker" ||
  { echo "FAIL: cannot copy the binaries"; exit 1; }
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# Every process a tour starts inherits TOUR_TEST_MARK=$tmp (this shell does not have it):
# prints the live ones.
started_by_tour() {
  local d
  for d in /proc/[0-9]*; do
    grep -qzxF "TOUR_TEST_MARK=$tmp" "$d/environ" 2>/dev/null && echo "${d#/proc/}"
  done
}
tour_cmd=(env "TOUR_TEST_MARK=$tmp" "TOUR_BIN_DIR=$bin" "TMPDIR=$tmp" bash "$tour")
cleanup() {  # nothing outlives the test, whatever happened
  local p
  for p in $(started_by_tour); do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# Checks that a finished tour left no process and no directory behind. $1: its output.
left_nothing() {
  local leftovers dir
  leftovers=$(started_by_tour)
  if [[ -n $leftovers ]]; then
    fail "$2: processes left behind:"
    ps -o pid,ppid,sid,stat,args -p "${leftovers//$'\n'/,}"
  fi
  dir=$(sed -n 's/^ *working in //p' <<<"$1")
  [[ -n $dir && ! -e $dir ]] || fail "$2: its directory '$dir' was not removed"
}

# The text of step N ("== N. ...") up to the next step.
section() { awk -v n="== $1." 'index($0, n) == 1 { on = 1; next } /^== / { on = 0 } on' <<<"$out"; }
# expect N TEXT...: step N shows each TEXT, in this order.
expect() {
  local n=$1 text rest
  rest=$(section "$n")
  shift
  for text; do
    [[ $rest == *"$text"* ]] || { fail "step $n does not show '$text' (in order)"; return; }
    rest=${rest#*"$text"}
  done
}

# 1. The whole tour, uninterrupted.
SECONDS=0
out=$(timeout 120 "${tour_cmd[@]}" 2>&1)
status=$? took=$SECONDS
printf '%s\n' "$out" | sed 's/^/tour| /'
echo "the tour took $took s"
[[ $status == 0 ]] || fail "the tour exited $status"
((took < 30)) || fail "the tour took $took s"
[[ $out == *UNEXPECTED* ]] && fail "the tour saw something UNEXPECTED"
pid=$(section 2 | grep -A1 '^\$ cat echo.pid' | tail -n 1)
[[ $pid =~ ^[0-9]+$ ]] || fail "step 2 shows no pid (got '$pid')"
expect 1 "exit status: 0"
expect 2 "running (pid $pid" "exit status: 0" "flock -n fails"
expect 3 "echoed back: hello, daemon" "connected" "disconnected"
expect 4 "cannot listen on 127.0.0.1:" "Address already in use" "exit status: 1" \
  "already running (pid $pid)" "exit status: 1"
expect 5 "exit status: 0" "echo: reloaded (SIGHUP)"
expect 6 "stopped (pid $pid)" "exit status: 0" "the pid file is gone" "not running" \
  "exit status: 3" "echo: SIGTERM received, stopping"
expect 7 "exit status: 0" "running (pid" "exit status: 0" "stopped (pid" "exit status: 0"
expect 8 "stdout redirect: cannot open stdout_goto" "No such file or directory" \
  "exit status: 1; pid file left behind: no" "/no/such/program" \
  "exit status: 1; pid file left behind: no"
left_nothing "$out" "the tour"

# 2. Interrupted as by Ctrl-C, which signals the terminal's whole foreground process group. The
#    tour runs in well under a second, so a stand-in for the command makes one step slow and the
#    interrupt lands there: "status" lingers 10 s after answering (the echo service runs), or
#    "start" daemonizes a program that takes 10 s to get ready (its pid file is written and
#    locked, and the command still waits for readiness).
slow=$tmp/slow-bin
mkdir "$slow" && cp "$bin/echo_server" "$slow/" && cp "$bin/daemoniker" "$slow/daemoniker.real"
cat >"$slow/daemoniker" <<'EOF'
#!/usr/bin/env bash
real=${BASH_SOURCE%/*}/daemoniker.real
if [[ $1 == status && $TOUR_TEST_SLOW == status ]]; then
  "$real" "$@"; status=$?; sleep 10; exit $status
elif [[ $1 == start && $TOUR_TEST_SLOW == start ]]; then
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == -- ]] && break; done
  exec "$real" "${args[@]:0:i+1}" sh -c 'sleep 10; exec "$@"' sh "${args[@]:i+1}"
fi
exec "$real" "$@"
EOF
chmod +x "$slow/daemoniker"
for slow_at in status start; do
  log=$tmp/interrupted-$slow_at.out
  set -m  # the tour gets a process group of its own, and does not ignore SIGINT
  env "TOUR_TEST_MARK=$tmp" "TOUR_BIN_DIR=$slow" "TMPDIR=$tmp" "TOUR_TEST_SLOW=$slow_at" \
    bash "$tour" >"$log" 2>&1 &
  tour_pid=$!
  set +m
  for _ in $(seq 400); do  # until the slow step is under way
    case $slow_at in
      status) grep -qF 'running (pid' "$log" && break ;;
      start) compgen -G "$tmp/daemoniker-tour.*/sleep.pid" >/dev/null && break ;;
    esac
    sleep 0.025
  done
  sleep 0.2
  kill -INT -- "-$tour_pid" || fail "interrupted while $slow_at was slow: the tour had ended"
  wait "$tour_pid"
  status=$?
  out=$(<"$log")
  printf '%s\n' "$out" | tail -n 4 | sed "s/^/interrupted while $slow_at was slow| /"
  [[ $status == 130 ]] || fail "interrupted while $slow_at was slow, the tour exited $status"
  [[ $out == *"tour: interrupted"* ]] || fail "interrupted while $slow_at was slow, it said: $out"
  left_nothing "$out" "interrupted while $slow_at was slow"
done

echo "$failures failure(s)"
exit $((failures > 0))
