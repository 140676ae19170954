#!/usr/bin/env bash
# The daemoniker command and library under REAL systemd: boots systemd as PID 1 in a container
# (systemd-nspawn, the root file system of tools/nspawn_root.sh) once, and inside it runs
# tests/systemd/in_container.sh as a service, which starts real units and checks them:
#   a. Type=forking + PIDFile= with a library daemon: MainPID, reload, stop
#   b. Type=forking with `daemoniker start -- sh ...`
#   c. Type=notify with a library daemon that awaits readiness
#   d. Type=notify with `daemoniker start --notify -- probe` (the program says READY=1 itself)
#   e. a .socket unit activating `daemoniker start -- probe` (LISTEN_PID/FDS/FDNAMES, fd 3)
#   f. `systemctl stop` of each: Result=success, nothing left in its cgroup
# One PASS/FAIL line per check; exit 1 on any failure, and when the root file system cannot be
# built or the container does not boot (never a silent skip). Needs root. Leaves no container
# and no process behind (the container is killed on exit, everything is bounded by timeout),
# and never modifies the cached root file system (--volatile=overlay).
#
#   systemd_test.sh DAEMONIKER FORKING_DAEMON NOTIFY_DAEMON PROBE IN_CONTAINER_SH NSPAWN_ROOT_SH
#
# Run by hand too (as root), e.g. against another build of the command. DMK_NSPAWN_TIMEOUT
# bounds the container (default 300 s); DMK_KEEP=1 keeps the work directory (results, journal,
# console) in $TEST_TMPDIR or /tmp. Under Bazel the same files land in the test's
# undeclared outputs (bazel-testlogs/tests/systemd/systemd_test/test.outputs/).
set -euo pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

say() { printf 'systemd_test: %s\n' "$*"; }
die() {
  say "FAIL: $*"
  exit 1
}

(($# == 6)) || die "usage: $0 DAEMONIKER FORKING_DAEMON NOTIFY_DAEMON PROBE IN_CONTAINER_SH NSPAWN_ROOT_SH"
programs=("$1" "$2" "$3" "$4")
driver=$5
root_sh=$6
boot_timeout=${DMK_NSPAWN_TIMEOUT:-300}

[[ $(id -u) -eq 0 ]] || die "needs root to run systemd-nspawn (uid is $(id -u))."
command -v systemd-nspawn >/dev/null 2>&1 || die "systemd-nspawn not found: install systemd-container (bash tools/setup.sh)."
for f in "${programs[@]}" "$driver" "$root_sh"; do
  [[ -f $f ]] || die "missing $f"
done

root=$(timeout 1200 bash "$root_sh") || die "cannot build the container's root file system: $root_sh failed (see its messages above)."
[[ -x $root/lib/systemd/systemd ]] || die "$root_sh printed '$root', which holds no systemd."

work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/dmk-nspawn.XXXXXX")
nspawn_pid=""

# Every descendant of pid $1 (host pids): one pass over /proc, no subprocess per process.
descendants() {
  local p stat rest ppid
  local -A children=()
  for p in /proc/[0-9]*; do
    read -r stat 2>/dev/null <"$p/stat" || continue
    rest=${stat##*) }          # after "pid (comm) ": state ppid ...
    ppid=${rest#* }
    ppid=${ppid%% *}
    children[$ppid]+=" ${p#/proc/}"
  done
  local queue=("$1") next
  while ((${#queue[@]})); do
    next=${queue[0]}
    queue=("${queue[@]:1}")
    for p in ${children[$next]:-}; do
      echo "$p"
      queue+=("$p")
    done
  done
}

# Whether pid $1 runs (a zombie does not: the trap may run before bash reaped it).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

cleanup() {
  local rc=$? pids i
  trap - EXIT INT TERM
  if [[ -n $nspawn_pid ]] && alive "$nspawn_pid"; then
    say "stopping the container (pid $nspawn_pid)"
    pids=$(descendants "$nspawn_pid")
    kill -TERM "$nspawn_pid" 2>/dev/null || true  # timeout passes it on: nspawn shuts down
    for ((i = 0; i < 100; i++)); do
      alive "$nspawn_pid" || break
      sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL "$nspawn_pid" $pids 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  if [[ -n ${TEST_UNDECLARED_OUTPUTS_DIR:-} ]]; then
    cp -r "$work/out" "$TEST_UNDECLARED_OUTPUTS_DIR/nspawn" 2>/dev/null || true
    cp "$work/console.log" "$TEST_UNDECLARED_OUTPUTS_DIR/nspawn/" 2>/dev/null || true
  fi
  [[ -n ${DMK_KEEP:-} ]] || rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# /dmk: the binaries and the driver (read-only); /dmk-out: what the driver writes; the driver's
# unit in /usr/local/lib/systemd/system (a unit directory the root file system leaves empty).
mkdir -p "$work/dmk/bin" "$work/units/multi-user.target.wants" "$work/out"
for f in "${programs[@]}"; do
  cp -L -- "$f" "$work/dmk/bin/"
done
cp -L -- "$driver" "$work/dmk/in_container.sh"
chmod -R a+rX,u+w "$work/dmk"
chmod 755 "$work/dmk/bin/"* "$work/dmk/in_container.sh"
cat >"$work/units/dmk-test.service" <<'EOF'
[Unit]
Description=daemoniker tests under systemd (tests/systemd/in_container.sh)
# Power off when the driver ends, however it ends; never run longer than RuntimeMaxSec.
SuccessAction=poweroff
FailureAction=poweroff

[Service]
Type=simple
ExecStart=/bin/bash /dmk/in_container.sh
RuntimeMaxSec=240
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -s ../dmk-test.service "$work/units/multi-user.target.wants/dmk-test.service"

machine=dmk-test-$$
say "booting $root as container $machine (systemd-nspawn -b, at most ${boot_timeout}s)"
start=$SECONDS
timeout --kill-after=10 "$boot_timeout" systemd-nspawn -b -D "$root" --volatile=overlay \
  --register=no --keep-unit --private-network --console=pipe -M "$machine" \
  --bind-ro="$work/dmk:/dmk" --bind-ro="$work/units:/usr/local/lib/systemd/system" \
  --bind="$work/out:/dmk-out" </dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!
nspawn_rc=0
wait "$nspawn_pid" || nspawn_rc=$?
nspawn_pid=""
say "the container ran $((SECONDS - start)) s, systemd-nspawn exited with status $nspawn_rc"

show() {
  local f=$1
  [[ -s $work/$f ]] || return 0
  echo "---- $f"
  tail -n "${2:-200}" "$work/$f"
}
diagnose() {
  show console.log 60
  show out/units
  show out/reports
  show out/journal 300
}

results=$work/out/results
if ! grep -q '^BOOTED' "$results" 2>/dev/null; then
  diagnose
  ((nspawn_rc == 124)) && die "the container did not finish within ${boot_timeout}s and the test driver never ran."
  die "systemd did not boot in the container (systemd-nspawn status $nspawn_rc; its console is above)."
fi

grep -E '^(BOOTED|PASS|FAIL)' "$results"
passed=$(grep -c '^PASS' "$results" || true)
failed=$(grep -c '^FAIL' "$results" || true)
if ! grep -q '^DONE$' "$results"; then
  echo "FAIL the test driver did not finish (killed, or the container timed out: systemd-nspawn status $nspawn_rc)"
  failed=$((failed + 1))
fi
if ((nspawn_rc != 0)); then
  echo "FAIL the container did not power off cleanly (systemd-nspawn status $nspawn_rc)"
  failed=$((failed + 1))
fi
((failed == 0)) || diagnose
echo "$passed passed, $failed failed"
((failed == 0))
