# Shared by the consumer tests (sourced, never run). They build daemoniker the ways the README's
# "Use it from your build" says, with the files of docs/examples/consumers/, and run the program
# each way builds. At the top of a test, with the test's own arguments:
#
#   source "$(dirname "$0")/lib.sh"    # args: --examples FILE... --project FILE...
#
# It re-runs the test under a child subreaper (daemons are adopted and reaped by the test shell,
# whatever pid 1 does), makes $tmp, copies the CMake project to $tree (a plain source tree, as a
# user's checkout) and the consumer examples to $examples, reads $version from version.hpp, and
# sets an EXIT trap that kills every process the test started and removes $tmp.

if [[ -z ${CONSUMER_TEST_REAPED:-} ]]; then
  # prctl(PR_SET_CHILD_SUBREAPER = 36, 1) through perl's syscall(); its number depends on the
  # architecture. The attribute survives exec.
  case $(uname -m) in
    x86_64) prctl=157 ;;
    aarch64 | riscv64) prctl=167 ;;
    *) echo "FAIL: no prctl syscall number known for $(uname -m)"; exit 1 ;;
  esac
  command -v perl >/dev/null || { echo "FAIL: perl is not installed"; exit 1; }
  CONSUMER_TEST_REAPED=1 exec perl -e \
    'syscall(shift, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n"; exec @ARGV or die "exec: $!\n"' \
    -- "$prctl" bash "$0" "$@"
fi

set -uo pipefail
export LC_ALL=C
test_name=$(basename "$0" .sh)
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
failures=0

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# check WHAT CMD...: PASS or FAIL line for WHAT, as CMD succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
not() { ! "$@"; }
# require TOOL...: every tool is installed, or the test fails now (it never skips).
require() {
  local t
  for t; do
    command -v "$t" >/dev/null ||
      { echo "FAIL: required tool '$t' is not installed (tools/setup.sh installs it)"; exit 1; }
  done
}
require cmake ctest g++ pkg-config tar readelf perl
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/$test_name.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }

# Every process the test starts carries CONSUMER_TEST_MARK=$tmp in its environment (the test
# shell does not): the live ones.
marked() {
  local f p
  for f in $(grep -lzxF "CONSUMER_TEST_MARK=$tmp" /proc/[0-9]*/environ 2>/dev/null); do
    p=${f#/proc/} p=${p%/environ}
    alive "$p" && echo "$p"
  done
}
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
reaped() { [[ ! -e /proc/$1 ]]; }
session() { local stat; stat=$(<"/proc/$1/stat") && read -ra stat <<<"${stat##*) }" && echo "${stat[3]}"; }
cleanup() {
  local left
  trap - EXIT INT TERM
  for _ in $(seq 100); do
    left=$(marked)
    [[ -z $left ]] && break
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL $left 2>/dev/null
    sleep 0.05
  done
  if [[ -n $left ]]; then
    echo "FAIL: cleanup could not kill: $left"
    failures=$((failures + 1))
  fi
  wait 2>/dev/null
  rm -rf "$tmp"
  echo "$test_name: $failures failure(s)"
  exit $((failures > 0))
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export CONSUMER_TEST_MARK=$tmp

# The arguments: the consumer examples, then the CMake project, as runfiles paths.
tree=$tmp/src examples=$tmp/examples
mode=
for f; do
  case $f in
    --examples) mode=examples; continue ;;
    --project) mode=project; continue ;;
  esac
  case $mode in
    examples) dst=$examples/${f#docs/examples/consumers/} ;;
    project) dst=$tree/$f ;;
    *) echo "FAIL: usage: $0 --examples FILE... --project FILE..."; exit 1 ;;
  esac
  mkdir -p "$(dirname "$dst")" && cp -L "$runfiles/$f" "$dst" || { echo "FAIL: cannot copy $f"; exit 1; }
done
[[ -f $tree/CMakeLists.txt && -f $examples/app.cc ]] || { echo "FAIL: no CMake project or no app.cc in the data"; exit 1; }
version=$(sed -n 's/^#define DAEMONIKER_VERSION "\(.*\)"$/\1/p' "$tree/daemoniker/include/daemoniker/version.hpp")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "FAIL: no DAEMONIKER_VERSION in version.hpp"; exit 1; }
echo "daemoniker $version, sources in $tree"

# timed NAME DIR SCRIPT: runs SCRIPT (a file of docs/examples/consumers) in DIR, in one shell
# with -e, as a user would type its commands; prints each command's wall-clock time and the
# total (FIGURES lines), and on failure the command and the end of the output. Variables the
# scripts use ($prefix, $url) come from the caller's environment.
timed() {
  local name=$1 dir=$2 script=$3 line lines=() i=0 times status ms total=0
  while IFS= read -r line; do
    [[ -z $line || $line == '#'* ]] || lines+=("$line")
  done <"$script"
  {
    echo 'set -e'
    for line in "${lines[@]}"; do
      echo '__t=$(date +%s%N)'
      printf '%s\n' "$line"
      echo 'echo $(( ($(date +%s%N) - __t) / 1000000 )) >&3'
    done
  } >"$tmp/$name.sh"
  times=$(cd "$dir" && bash "$tmp/$name.sh" 3>&1 >>"$tmp/$name.log" 2>&1)
  status=$?
  for ms in $times; do
    printf 'FIGURES %s: %6d ms  %s\n' "$name" "$ms" "${lines[i]}"
    total=$((total + ms)) i=$((i + 1))
  done
  if ((status != 0)); then
    fail "$name: '${lines[i]}' failed (status $status); the end of its output:"
    tail -n 40 "$tmp/$name.log" | sed 's/^/    /'
    return 1
  fi
  printf 'FIGURES %s: %6d ms  in all, cold (nothing built before)\n' "$name" "$total"
}

# runs_as_daemon NAME APP [CHECK...]: runs the program APP built by route NAME as a user would
# (`APP RUN_DIR`) and checks it daemonized: the invoking process exited 0, the pid file held the
# daemon's pid, the daemon (that very executable) wrote its marker naming this version and its
# pid; then runs each CHECK (a command, given the daemon's pid file) while the daemon runs; then
# stops it with SIGTERM and checks it was reaped and removed its pid file.
runs_as_daemon() {
  local name=$1 app=$2 run pid status marker want
  shift 2
  run=$tmp/run-$name
  mkdir -p "$run"
  "$app" "$run" 2>"$run/stderr"
  status=$?
  check "$name: the invoking process exits 0 (stderr: $(head -c 300 "$run/stderr"))" test "$status" = 0
  pid=$(cat "$run/app.pid" 2>/dev/null)
  if [[ ! $pid =~ ^[1-9][0-9]*$ ]]; then
    fail "$name: the pid file holds no pid ('$pid')"
    return
  fi
  check "$name: the pid file is '<pid>\\n'" test "$(od -An -c "$run/app.pid" | tr -d ' ')" = "${pid}\\n"
  check "$name: the pid file's process is alive" alive "$pid"
  check "$name: the pid file's process is the program built ($app)" \
    test "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$app")"
  check "$name: the daemon is in a session of its own" test "$(session "$pid")" != "$(session $$)"
  for _ in $(seq 200); do [[ -s $run/app.ran ]] && break; sleep 0.025; done
  marker=$(cat "$run/app.ran" 2>/dev/null)
  want="daemoniker $version pid $pid"
  check "$name: the daemon ran and wrote '$want' (got '$marker')" test "$marker" = "$want"
  local c
  for c; do
    check "$name: $c" "$c" "$run/app.pid"
  done
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 400); do reaped "$pid" && break; sleep 0.025; done
  check "$name: the daemon stopped on SIGTERM and was reaped" reaped "$pid"
  check "$name: the daemon removed its pid file at exit" test ! -e "$run/app.pid"
  check "$name: no process of the test is left" test -z "$(marked)"
}

# Before anything is built, runs_as_daemon must refuse a program that only pretends: it leaves a
# child of its own in the pid file and exits 0, with no session of its own, no marker, and a pid
# file that outlives the process — so the checks above are known to be able to fail.
pretender=$tmp/pretender
printf '#!/bin/bash\nsleep 60 &\necho $! >"$1/app.pid"\n' >"$pretender" && chmod +x "$pretender"
pretended=$(failures=0 runs_as_daemon pretender "$pretender")
for refusal in "is the program built" "in a session of its own" "the daemon ran and wrote" \
  "removed its pid file at exit"; do
  if [[ $pretended == *"FAIL: pretender: the "*"$refusal"* ]]; then
    echo "ok: runs_as_daemon refuses a pretender: ...$refusal"
  else
    fail "runs_as_daemon did not refuse a pretender on '$refusal':"
    sed 's/^/    /' <<<"$pretended"
  fi
done
