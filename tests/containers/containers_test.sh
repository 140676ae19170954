#!/usr/bin/env bash
# A daemonizing program as a container's main process, in real pid namespaces
# (unshare --pid --fork --mount-proc --kill-child), with Debian's tini and dumb-init:
#   - as PID 1 itself: it stays in the foreground (no fork, no new session), its pid file holds
#     1 and its lock, and SIGTERM from outside the namespace stops it cleanly (signal_handler),
#     removing the pid file; it does not reap orphans (documented in docs/containers.md);
#   - as the child of tini / dumb-init (PID 1): it stays in the foreground, the init keeps
#     running, readiness reaches a NOTIFY_SOCKET, and the init's forwarded SIGTERM stops it;
#   - `daemoniker start` as PID 1 and under tini: the program runs in place;
#   - negative: PID 1 is a shell that waits — not a container init — so the program forks as
#     on any host: a new session, the invoking process exits 0 once the daemon confirmed.
# Every check prints PASS/FAIL; a missing tool fails (never skips). Every namespace is killed.
#   containers_test.sh CONTAINER_DAEMON DAEMONIKER
set -uo pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin  # Bazel's PATH lacks sbin

failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

[[ $# == 2 ]] || { echo "FAIL: usage: $0 CONTAINER_DAEMON DAEMONIKER"; exit 1; }
daemon=$(realpath "$1") cli=$(realpath "$2")
for tool in unshare tini dumb-init catatonit flock socat; do
  command -v "$tool" >/dev/null || { echo "FAIL: '$tool' is not installed (tools/setup.sh installs it)"; exit 1; }
done
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/containers.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }

namespaces=()  # the unshare processes: killing one kills its namespace (--kill-child)
cleanup() {
  local p
  for p in "${namespaces[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${namespaces[@]}"; do wait "$p" 2>/dev/null; done
  [[ -n ${sock:-} ]] && { pkill -KILL -f "socat -u UNIX-RECV:$sock" 2>/dev/null; rm -rf "$(dirname "$sock")"; }
  rm -rf "$tmp"
}
trap cleanup EXIT

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#${t:0:-3})); }
wait_until() {  # wait_until SECONDS CMD...
  local end=$(($(now_ms) + $1 * 1000))
  shift
  until "$@"; do
    (($(now_ms) < end)) || return 1
    sleep 0.02
  done
}
state_of() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; echo "${s%% *}"; }
alive() { local s; s=$(state_of "$1") && [[ $s != Z ]]; }
gone() { ! alive "$1"; }
locked() { [[ -e $1 ]] && { flock -n -E 99 "$1" true; [[ $? == 99 ]]; }; }
field() { local k=$2; [[ $1 =~ (^| )$k=([^ ]*) ]] && echo "${BASH_REMATCH[2]}"; }

# in_namespace CMD...: runs CMD as PID 1 of a new pid namespace, in the background. Sets
# $unshare (its pid here) and $init (the host pid of the namespace's PID 1, CMD).
in_namespace() {
  unshare --pid --fork --mount-proc --kill-child "$@" </dev/null >>"$tmp/ns.log" 2>&1 &
  unshare=$!
  namespaces+=("$unshare")
  init=
  wait_until 5 eval 'init=$(cat /proc/$unshare/task/$unshare/children 2>/dev/null); [[ -n $init ]]'
  init=${init%% *}
}
# host_pid NSPID: the host pid of the process that is NSPID in $init's namespace.
host_pid() {
  local ns p
  ns=$(readlink "/proc/$init/ns/pid") || return 1
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
    [[ $(sed -n 's/^NSpid:.*\s\([0-9]*\)$/\1/p' "$p/status" 2>/dev/null) == "$1" ]] && { echo "${p#/proc/}"; return 0; }
  done
  return 1
}
# ns_ended STATUS: the namespace ended (within 5 s) and unshare exited with STATUS.
ns_ended() {
  local rc
  wait_until 5 gone "$unshare"
  wait "$unshare" 2>/dev/null
  rc=$?
  echo "  (unshare exited with status $rc)"
  [[ $rc == "$1" ]]
}

# --- the program is PID 1 ------------------------------------------------------------------
d=$tmp/pid1 && mkdir -p "$d"
in_namespace "$daemon" "$d" orphan
wait_until 10 test -s "$d/observed" || fail "pid1: the program did not start"
obs=$(cat "$d/observed" 2>/dev/null)
echo "pid1: host pid $init, observed: $obs"
check "pid1: detect_supervisor() says pid1" [ "$(field "$obs" supervisor)" == pid1 ]
check "pid1: no fork: it is still PID 1 (pid=1), the namespace's init" [ "$(field "$obs" pid)" == 1 ]
check "pid1: the namespace's PID 1 is the program (/proc/$init/comm)" \
  [ "$(cat "/proc/$init/comm" 2>/dev/null)" == container_daemo ]  # 15 characters
check "pid1: the pid file holds 1 and is locked" eval '[[ $(cat "$d/app.pid") == 1 ]] && locked "$d/app.pid"'
wait_until 5 test -s "$d/orphan"
orphan=$(host_pid "$(cat "$d/orphan" 2>/dev/null)")
wait_until 5 eval '[[ $(state_of "$orphan") == Z ]]'
check "pid1: an orphan re-parented to it stays a zombie (the library does not reap)" \
  [ "$(state_of "$orphan")" == Z ]
kill -TERM "$init"  # from outside the namespace
wait_until 5 gone "$init"
check "pid1: SIGTERM from outside the namespace stops it (signal_handler)" gone "$init"
check "pid1: ... cleanly: 'stopped 15' in its log" grep -qx "stopped 15" "$d/log"
check "pid1: ... and its pid file is removed" [ ! -e "$d/app.pid" ]
check "pid1: ... exit status 0" ns_ended 0

# --- the program under a container init: tini, dumb-init, catatonit ---------------------------
# docker-init is tini under another name (Docker ships it so), and detection goes by name: a
# copy of tini stands for it; s6-overlay's s6-svscan likewise by name only (not a real overlay).
mkdir -p "$tmp/bin"
cp "$(command -v tini)" "$tmp/bin/docker-init"
cp "$(command -v tini)" "$tmp/bin/s6-svscan"
cp "$(command -v catatonit)" "$tmp/bin/podman-init"  # podman run --init mounts it so
for init_cmd in tini dumb-init catatonit "$tmp/bin/docker-init" "$tmp/bin/s6-svscan" "$tmp/bin/podman-init"; do
  init_name=$(basename "$init_cmd")
  d=$tmp/$init_name && mkdir -p "$d"
  in_namespace "$init_cmd" -- "$daemon" "$d"
  wait_until 10 test -s "$d/observed" || fail "$init_cmd: the program did not start"
  obs=$(cat "$d/observed" 2>/dev/null)
  case $init_name in s6-svscan) want=s6_overlay ;; podman-init) want=catatonit ;; *) want=${init_name/-/_} ;; esac
  init_cmd=$init_name
  echo "$init_cmd: init host pid $init, observed: $obs"
  check "$init_cmd: detect_supervisor() says $want" [ "$(field "$obs" supervisor)" == "$want" ]
  prog=$(host_pid "$(field "$obs" pid)")
  check "$init_cmd: no fork: the program is $init_cmd's own child (ppid 1)" \
    eval '[[ $(field "$obs" ppid) == 1 && $(cat /proc/$init/task/$init/children) == *"$prog"* ]]'
  sleep 0.3
  check "$init_cmd: $init_cmd still runs (its child did not exit)" alive "$init"
  check "$init_cmd: the pid file holds the program's pid and is locked" \
    eval '[[ $(cat "$d/app.pid") == $(field "$obs" pid) ]] && locked "$d/app.pid"'
  kill -TERM "$init"  # the init forwards it
  wait_until 5 gone "$prog"
  check "$init_cmd: SIGTERM to $init_cmd stops the program cleanly" grep -qx "stopped 15" "$d/log"
  check "$init_cmd: ... its pid file is removed" [ ! -e "$d/app.pid" ]
  check "$init_cmd: ... the container ends with status 0" ns_ended 0
done

# Readiness reaches the supervisor: READY=1 on a NOTIFY_SOCKET given to the program under tini.
d=$tmp/notify && mkdir -p "$d"
sock=$(mktemp -d /tmp/containers-notify.XXXXXX)/notify  # a socket path has at most 107 bytes
socat -u "UNIX-RECV:$sock" "OPEN:$d/datagrams,creat,append" &
disown
wait_until 5 test -S "$sock"
in_namespace env "NOTIFY_SOCKET=$sock" tini -- "$daemon" "$d"
wait_until 10 test -s "$d/observed"
wait_until 5 grep -q READY=1 "$d/datagrams"
check "tini+notify: READY=1 reached the NOTIFY_SOCKET" grep -q "READY=1" "$d/datagrams"
check "tini+notify: ... without MAINPID (a container's pid names another process outside)" \
  eval '! grep -q MAINPID "$d/datagrams"'
kill -TERM "$init"
check "tini+notify: stopped with status 0" ns_ended 0

# --- the daemoniker command as the entrypoint ---------------------------------------------------
prog_sh='trap "echo stopped >> \"$0/log\"; exit 0" TERM; echo $$ > "$0/sh.pid"; while :; do sleep 0.1; done'
d=$tmp/cli-pid1 && mkdir -p "$d"
in_namespace "$cli" start --pidfile "$d/c.pid" -- sh -c "$prog_sh" "$d"
wait_until 10 test -s "$d/sh.pid" || fail "cli as PID 1: the program did not start"
check "cli as PID 1: the program was exec'd in place: it is PID 1" [ "$(cat "$d/sh.pid")" == 1 ]
check "cli as PID 1: the pid file holds 1 and is locked" eval '[[ $(cat "$d/c.pid") == 1 ]] && locked "$d/c.pid"'
kill -TERM "$init"
check "cli as PID 1: SIGTERM from outside reaches the program, exit 0" ns_ended 0
check "cli as PID 1: ... its TERM trap ran" grep -qx stopped "$d/log"
check "cli as PID 1: ... the lock is released" eval '! locked "$d/c.pid"'

d=$tmp/cli-tini && mkdir -p "$d"
in_namespace tini -- "$cli" start --pidfile "$d/c.pid" -- sh -c "$prog_sh" "$d"
wait_until 10 test -s "$d/sh.pid" || fail "cli under tini: the program did not start"
sh_pid=$(cat "$d/sh.pid" 2>/dev/null)
check "cli under tini: the program runs in place as tini's child (pid file = its pid)" \
  eval '[[ $(cat "$d/c.pid") == "$sh_pid" && $(awk "{print \$4}" /proc/$(host_pid "$sh_pid")/stat) == "$init" ]]'
check "cli under tini: tini still runs" alive "$init"
kill -TERM "$init"
check "cli under tini: tini's forwarded SIGTERM stops it, exit 0" ns_ended 0

# --ready-fd as an entrypoint: no supervisor passes a notification fd here; the command says
# so and runs the program anyway (the same command line works on a host and in a container).
d=$tmp/cli-ready && mkdir -p "$d"
in_namespace "$cli" start --pidfile "$d/c.pid" --ready-fd 3 -- sh -c "$prog_sh" "$d"
wait_until 10 test -s "$d/sh.pid" || fail "cli --ready-fd as PID 1: the program did not start"
check "cli --ready-fd as PID 1: the program runs in place" [ "$(cat "$d/sh.pid")" == 1 ]
check "cli --ready-fd as PID 1: ... after a note that nobody waits for readiness" \
  grep -q "ready-fd 3 is not open, so no supervisor waits" "$tmp/ns.log"
kill -TERM "$init"
check "cli --ready-fd as PID 1: stopped, exit 0" ns_ended 0

# As PID 1 with a NOTIFY_SOCKET (systemd-nspawn without -b, podman --sdnotify): still in place.
d=$tmp/cli-pid1-notify && mkdir -p "$d"
in_namespace env NOTIFY_SOCKET=/run/nonexistent-notify "$cli" start --pidfile "$d/c.pid" -- sh -c "$prog_sh" "$d"
wait_until 10 test -s "$d/sh.pid" || fail "cli as PID 1 with NOTIFY_SOCKET: the program did not start"
check "cli as PID 1 with NOTIFY_SOCKET: the program runs in place as PID 1" [ "$(cat "$d/sh.pid")" == 1 ]
kill -TERM "$init"
check "cli as PID 1 with NOTIFY_SOCKET: stopped, exit 0" ns_ended 0

# The documented pitfall: an entrypoint script that does not exec the program. Its parent is the
# shell, so it forks as on a host; the script ends, and tini ends the container with it.
d=$tmp/no-exec && mkdir -p "$d"
in_namespace tini -- sh -c '"$1" "$2"' sh "$daemon" "$d"
check "tini -> sh (no exec) -> program: the container ends (as docs/containers.md warns)" ns_ended 0
# (tini is 1, the shell 2, the program 3: its pid file names the daemon it forked, not 3. The
# daemon itself dies with the container, often before it could write anything else.)
check "... the program had forked: its pid file names another process than itself" \
  eval '[[ -s $d/app.pid && $(cat "$d/app.pid") != 3 ]]'

# --detach always: daemonizes even under tini; tini then ends with the command's status 0 (and
# takes the daemon with it — which is why auto is the default).
d=$tmp/cli-always && mkdir -p "$d"
in_namespace tini -- "$cli" start --detach always --pidfile "$d/c.pid" --ready-fd 3 -- \
  sh -c 'echo $$ > "$0/sh.pid"; echo ready >&3; exec sleep 60' "$d"
check "cli --detach always under tini: the command forked and exited 0 (tini ended with it)" ns_ended 0
check "cli --detach always under tini: ... the program had run as a daemon (not in place)" \
  eval '[[ -s $d/sh.pid && $(cat "$d/sh.pid") != 2 ]]'

# --- negative: PID 1 is a shell that waits, not a container init ---------------------------------
d=$tmp/shell && mkdir -p "$d"
in_namespace bash -c '"$1" "$2"; echo $? > "$2/invoker"; while :; do sleep 0.1; done' bash "$daemon" "$d"
wait_until 10 test -s "$d/invoker" || fail "shell: the invoking process did not return"
obs=$(cat "$d/observed" 2>/dev/null)
echo "shell: observed: $obs"
check "shell: the invoking process exited 0 once the daemon confirmed" [ "$(cat "$d/invoker")" == 0 ]
check "shell: detect_supervisor() says none (bash is no container init)" [ "$(field "$obs" supervisor)" == none ]
check "shell: the program forked: a new session, not its leader" \
  eval '[[ $(field "$obs" sid) != 1 && $(field "$obs" sid) != $(field "$obs" pid) ]]'
check "shell: the pid file holds the daemon's pid and is locked" \
  eval '[[ $(cat "$d/app.pid") == $(field "$obs" pid) ]] && locked "$d/app.pid"'
daemon_host=$(host_pid "$(field "$obs" pid)")
kill -TERM "$daemon_host"
wait_until 5 gone "$daemon_host"
check "shell: SIGTERM stops the daemon cleanly, pid file removed" \
  eval 'grep -qx "stopped 15" "$d/log" && [[ ! -e $d/app.pid ]]'
kill -KILL "$unshare"
wait "$unshare" 2>/dev/null

echo "containers_test: $failures failure(s)"
exit $((failures > 0))
