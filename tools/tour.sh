#!/usr/bin/env bash
# The guided tour — the README's first command:
#
#   bash tools/tour.sh
#
# Installs what it needs (tools/setup.sh), builds a small TCP echo service written with the
# library (docs/examples/echo_server.cc) and the `daemoniker` command, installs the command as
# /usr/local/bin/daemoniker, then shows step by step what daemoniker promises: the invoking shell
# learns for certain that the daemon started; the pid file holds its pid and a lock; the service
# answers; a second start is refused; the daemon is reloaded and stopped through its pid file;
# any program can be daemonized by the command; an error reaches the shell with a message.
# It asks nothing, takes a few seconds after the build, and leaves no process behind, even when
# interrupted with Ctrl-C.
#
# TOUR_BIN_DIR=DIR uses DIR/echo_server and DIR/daemoniker as they are: no setup.sh, no Bazel,
# nothing installed (docs/examples/tour_test.sh runs the tour that way).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
[[ -t 1 ]] || bold='' dim='' off=''
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
say() { printf '   %s\n' "$*"; }
# Prints a command as you would type it (quoting what needs it), then runs it.
show() {
  local words=() w
  for w; do [[ $w =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]] && words+=("$w") || words+=("'$w'"); done
  printf '%s$ %s%s\n' "$dim" "${words[*]}" "$off"
}
run() { show "$@"; "$@"; }
# Prints a shell line exactly as given (for lines with redirections; the caller runs them).
typed() { printf '%s$ %s%s\n' "$dim" "$1" "$off"; }
# Running, and not merely a zombie waiting for init to reap it.
alive() { [[ -e /proc/$1 ]] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
wait_for() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
die() { echo "tour: $*" >&2; exit 1; }

# A loopback port nobody listens on, in 20000-40000.
free_port() {
  python3 - 2>/dev/null <<'EOF' && return
import random, socket
for port in random.sample(range(20000, 40000), 500):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
EOF
  local p  # without python3: a port where nobody answers
  for _ in {1..500}; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

if [[ -n ${TOUR_BIN_DIR:-} ]]; then
  built=$TOUR_BIN_DIR/echo_server
  PATH=$TOUR_BIN_DIR:$PATH
else
  bash tools/setup.sh || exit 1
  step "Building the echo service (docs/examples/echo_server.cc) and the daemoniker command"
  targets=(//docs/examples:echo_server //daemoniker/cli:daemoniker)
  if ! out=$(bazel build --color=no --curses=no "${targets[@]}" 2>&1); then
    printf '%s\n' "$out" >&2
    die "the build failed"
  fi
  say "$(tail -n 1 <<<"$out")"
  bazel_bin=$(bazel info bazel-bin 2>/dev/null)
  built=$bazel_bin/docs/examples/echo_server
  if install -m 0755 "$bazel_bin/daemoniker/cli/daemoniker" /usr/local/bin/daemoniker; then
    say "installed the command as /usr/local/bin/daemoniker"
    PATH=/usr/local/bin:$PATH
  else
    say "could not install /usr/local/bin/daemoniker (not root?): using it from bazel-bin"
    PATH=$bazel_bin/daemoniker/cli:$PATH
  fi
fi
[[ -x $built ]] || die "$built was not built"
command -v daemoniker >/dev/null || die "the daemoniker command was not built"

# Work in a scratch directory, with a copy of the service under a short name. Every process the
# tour starts inherits DAEMONIKER_TOUR, which lets the cleanup find one that never got as far as
# writing its pid file (say, Ctrl-C during a start).
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/daemoniker-tour.XXXXXX") || die "cannot create a directory"
cp "$built" "$run_dir/echo_server" || die "cannot copy $built"
cd "$run_dir" || exit 1
export DAEMONIKER_TOUR=$run_dir
say "working in $run_dir"

# Stops everything the tour started, then removes its directory. By pid file first, which
# `daemoniker stop` trusts only while it is locked (a pid read from an unlocked file may belong
# to an unrelated process by now); then by the marker in the environment, which also finds a
# daemon interrupted before it wrote its pid file, and children a daemon forked (stop signals
# only the pid in the file).
cleanup() {
  trap '' INT TERM
  local f d pid found
  for f in "$run_dir"/*.pid; do
    [[ -e $f ]] || continue
    daemoniker stop --pidfile "$f" --retry TERM/2/KILL/1 >/dev/null 2>&1
    if [[ -e $f ]] && ! flock -n "$f" true; then kill -KILL "$(<"$f")" 2>/dev/null; fi
  done
  for _ in 1 2 3 4 5; do  # again until nothing is found: a process may fork while we look
    found=0
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      [[ $pid == "$$" ]] && continue
      if grep -qzxF "DAEMONIKER_TOUR=$run_dir" "$d/environ" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null && found=1
      fi
    done
    ((found)) || break
    sleep 0.1
  done
  cd / && rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'echo; echo "tour: interrupted — stopping everything it started"; exit 130' INT TERM

port=$(free_port) || die "no free port in 20000-40000"

step "1. Start the echo service"
say "echo_server binds 127.0.0.1:$port first, so a busy port is an error you see here. Then"
say "daemonize(): two forks, a new session, inherited fds closed except the listening socket,"
say "signals reset, umask, cwd /, stdio appended to echo.log, the pid file written and locked."
say "The shell gets exit status 0 only after the daemon itself confirmed all of that."
run ./echo_server . "$port"
status=$?
say "exit status: $status"
((status == 0)) || die "the echo service did not start"
pid=$(<echo.pid)

step "2. Is it running? daemoniker status, the pid file and its lock"
say "status trusts the pid in the file only while the file is locked: the lock dies with the"
say "daemon, even on SIGKILL, so a stale file can never be mistaken for a live daemon."
run daemoniker status --pidfile echo.pid
say "exit status: $?  (0 running, 1 dead but the pid file exists, 3 not running, 4 unknown)"
run cat echo.pid
typed "flock -n echo.pid true"
if flock -n echo.pid true; then say "UNEXPECTED: the lock is free"; else
  say "flock -n fails: the daemon holds the lock for its whole life"; fi
run ps -o pid,ppid,sid,tty,stat,args -p "$pid"
say "its own session (SID is not its PID: not a session leader), no terminal (TT ?)."

step "3. Talk to it"
say "bash opens TCP connections itself, through /dev/tcp/HOST/PORT:"
typed "exec 3<>/dev/tcp/127.0.0.1/$port"
exec 3<>"/dev/tcp/127.0.0.1/$port"
typed "echo 'hello, daemon' >&3"
echo "hello, daemon" >&3
typed "read -r reply <&3"
read -t 5 -r reply <&3 || reply='(nothing within 5 s)'
say "echoed back: $reply"
exec 3>&-
wait_for echo.log disconnected
run cat echo.log

step "4. A second start is refused, and says why"
say "On the same port the bind fails first, before daemonize():"
run ./echo_server . "$port"
say "exit status: $?"
say "On another port, the pid file refuses it — the running daemon holds its lock:"
run ./echo_server . "$(free_port)"
say "exit status: $?  (the running daemon's pid file is untouched: it still holds $(<echo.pid))"

step "5. Reload it: SIGHUP through the pid file"
say "daemoniker reload sends SIGHUP, to the pid in the file only while the file is locked. In"
say "the daemon, signal_handler runs the on_reload callback on its own thread: nothing runs in"
say "a signal handler, so the callback may log, allocate or take locks."
run daemoniker reload --pidfile echo.pid
say "exit status: $?"
wait_for echo.log reloaded
run tail -n 1 echo.log

step "6. Stop it: SIGTERM, and SIGKILL only if it must"
say "--retry TERM/5/KILL/2: send SIGTERM and wait up to 5 s for the process to be gone; if it"
say "is not, send SIGKILL and wait 2 s. The echo service stops on SIGTERM: signals.wait() returns,"
say "main returns, and normal exit removes the pid file (unlink before unlock)."
run daemoniker stop --pidfile echo.pid --retry TERM/5/KILL/2
say "exit status: $?"
alive "$pid" && say "UNEXPECTED: process $pid is still running"
run ls
if [[ -e echo.pid ]]; then say "UNEXPECTED: the pid file is still there"; else
  say "the pid file is gone"; fi
run daemoniker status --pidfile echo.pid
say "exit status: $?"
run tail -n 2 echo.log

step "7. Daemonize a program that knows nothing of daemoniker"
say "daemoniker start runs the same sequence, then execs the program, which keeps the pid"
say "file's lock. With --ready-fd 3 the program finds a pipe on fd 3, and the exit status is 0"
say "only once it has written there that it is ready — not merely once it has started."
run daemoniker start --pidfile sleep.pid --ready-fd 3 -- sh -c 'echo ready >&3; exec sleep 60'
say "exit status: $?"
run daemoniker status --pidfile sleep.pid
say "exit status: $?"
run daemoniker stop --pidfile sleep.pid
say "exit status: $?"

step "8. Errors reach the invoking shell"
say "echo_server --fail puts its log in a directory that does not exist. The daemon fails after"
say "the forks; the message still reaches this shell, and nothing is left behind."
run ./echo_server . "$port" --fail
say "exit status: $?; pid file left behind: $([[ -e echo.pid ]] && echo yes || echo no)"
say "The same for the command, given a program that does not exist:"
run daemoniker start --pidfile nothing.pid -- /no/such/program
say "exit status: $?; pid file left behind: $([[ -e nothing.pid ]] && echo yes || echo no)"

step "Done"
say "Next: docs/examples/echo_server.cc (the service, ~130 lines), README.md for the API, and"
say "docs/policies.md to customize each step at compile time."
