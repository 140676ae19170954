#!/usr/bin/env bash
# The guided tour — the README's first command:
#
#   bash tools/tour.sh
#
# Installs what it needs (tools/setup.sh), builds the quickstart example with Bazel, then
# daemonizes it for real and shows, step by step, what daemoniker promises: the invoking shell
# learns for certain that the daemon started, the pid file holds its pid and a lock, a second
# start is refused, SIGTERM stops it cleanly, and an error reaches the shell with a message.
# It leaves no process behind, even when interrupted.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
[[ -t 1 ]] || bold='' dim='' off=''
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '   %s\n' "$*"; }
# Running, and not merely a zombie waiting for init to reap it.
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }

bash tools/setup.sh || exit 1
step "Building the quickstart example (docs/examples/quickstart.cc)"
bazel build --color=no --curses=no //docs/examples:quickstart 2>&1 | tail -n 1
built=$(bazel info bazel-bin 2>/dev/null)/docs/examples/quickstart
[[ -x $built ]] || { echo "tour: $built was not built" >&2; exit 1; }

# Work in a scratch directory, with a copy of the binary under a short name.
run_dir=$(mktemp -d /tmp/daemoniker-tour.XXXXXX)
cp "$built" "$run_dir/quickstart"
cd "$run_dir" || exit 1
bin=./quickstart
say "working in $run_dir"
cleanup() {
  if [[ -f quickstart.pid ]]; then
    kill -TERM "$(cat quickstart.pid)" 2>/dev/null
  fi
  cd / && rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'echo; echo "tour: interrupted — stopping the daemon"; exit 130' INT TERM

step "1. Daemonize it"
say "daemonize() forks twice, starts a new session, closes inherited fds, resets signals,"
say "sets umask and cwd, points stdio at the log and takes the pid file. The shell gets"
say "exit status 0 only after the daemon itself confirmed all of that worked."
run "$bin" .
say "exit status: $?"
pid=$(cat quickstart.pid)

step "2. The pid file holds the daemon's pid, and the daemon holds its lock"
run cat quickstart.pid
if flock -n quickstart.pid true; then say "UNEXPECTED: the lock is free"; else
  say "flock -n fails: the daemon holds the lock, so the file can never go stale unnoticed"; fi
run ps -o pid,ppid,sid,pgid,tty,stat,args -p "$pid"
say "its own session (SID differs from its PID: not a session leader), no terminal (TT ?)."

step "3. The daemon writes to its log"
sleep 1.2
run cat quickstart.log

step "4. A second start is refused, and says why"
run "$bin" .
say "exit status: $?  — the running daemon's pid file is untouched: $(cat quickstart.pid)"

step "5. SIGTERM stops it cleanly"
run kill -TERM "$pid"
for _ in $(seq 100); do alive "$pid" || break; sleep 0.05; done
if [[ -e quickstart.pid ]]; then say "UNEXPECTED: pid file still there"; else
  say "the pid file is gone: removed (unlink before unlock) when the daemon exited normally"; fi
run tail -n 2 quickstart.log

step "6. Errors reach the invoking shell"
say "Here the log path is in a directory that does not exist. The daemon fails after the"
say "fork; the message still reaches this shell, and nothing is left behind."
run "$bin" . --fail
say "exit status: $?; pid file left behind: $([[ -e quickstart.pid ]] && echo yes || echo no)"

step "Done"
say "Next: README.md for the API, docs/policies.md to customize each step at compile time."
