#!/usr/bin/env bash
# Fails the test run when a test left something outside its TEST_TMPDIR: a process, or a file in
# the temporary directories. tools/test.sh runs it around its Bazel runs:
#
#   check_leftovers.sh snapshot STATE_DIR   before the tests: what is already there
#   check_leftovers.sh check STATE_DIR      after them: prints one line
#       test.sh: check leftovers: passed (N processes, N files looked at)
#       test.sh: check leftovers: failed: <what was left>
#     which tools/count_results.py counts as one test. Exit status 0 passed, 1 failed.
#
# A leftover process is one that did not exist at the snapshot, is an orphan (see is_orphan:
# not Bazel's, not part of a session that predates the tests) and whose working directory,
# executable or command line points into Bazel's output base (test sandboxes, runfiles,
# TEST_TMPDIR) or at /tmp/daemoniker-*. Processes get 10 s to go away (a Wine server exits a few
# seconds after its last client).
# A leftover file is a new entry of /tmp, /dev/shm or $TMPDIR named daemoniker-*, *.pid or
# .*.pid.*.tmp (a pid file's hidden temporary), except the Wine prefix cache
# daemoniker-wine-<uid> that tools/wine_run.sh keeps on purpose.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

mode=${1:?usage: check_leftovers.sh snapshot|check STATE_DIR}
state=${2:?usage: check_leftovers.sh snapshot|check STATE_DIR}
mkdir -p "$state"

tmp_dirs=(/tmp /dev/shm)
[[ -n ${TMPDIR:-} && -d $TMPDIR && $TMPDIR != /tmp ]] && tmp_dirs+=("$TMPDIR")

list_files() {
  local d
  for d in "${tmp_dirs[@]}"; do
    [[ -d $d ]] || continue
    find "$d" -maxdepth 1 -mindepth 1 \( -name 'daemoniker-*' -o -name '*.pid' \
      -o -name '.*.pid.*.tmp' \) ! -name "daemoniker-wine-$(id -u)" -printf '%p\n' 2>/dev/null
  done | sort
}

list_pids() { ls /proc | grep -E '^[0-9]+$' | sort; }

output_base=$(cat "$state/output_base" 2>/dev/null)
if [[ $mode == snapshot ]]; then
  list_files >"$state/files"
  list_pids >"$state/pids"
  bazel info output_base 2>/dev/null >"$state/output_base"
  exit 0
fi

# Whose is a new process? Walking up its parents:
#  - the Bazel server: Bazel's own (another command's tests may be running);
#  - a process that was there before the tests, other than an init: someone's session (the
#    caller's shell, a benchmark, an editor), not a test's;
#  - an init (pid 1, or a subreaper such as systemd/tini): an orphan — what a daemon left
#    behind by a test looks like. Only these are suspects.
server=$(bazel info server_pid 2>/dev/null)
is_orphan() {
  local p hops=0 comm
  p=$(awk '/^PPid:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  while [[ -n $p && $hops -lt 64 ]]; do
    [[ $p == "$server" ]] && return 1
    comm=$(cat "/proc/$p/comm" 2>/dev/null)
    if [[ $p -le 1 || $comm =~ ^(systemd|init|tini|dumb-init|docker-init|catatonit)$ ]]; then
      return 0
    fi
    grep -qx "$p" "$state/pids" && return 1
    p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)
    hops=$((hops + 1))
  done
  return 1
}

suspicious_processes() {
  local pid where
  for pid in $(comm -13 "$state/pids" <(list_pids)); do
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    [[ -d /proc/$pid ]] || continue
    is_orphan "$pid" || continue
    # Bazel's own server daemonizes too (its output base is where tests run): not a test's.
    [[ $pid == "$server" || $(cat "/proc/$pid/comm" 2>/dev/null) == java ||
       $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == bazel\(* ]] && continue
    where="$(readlink "/proc/$pid/cwd" 2>/dev/null) $(readlink "/proc/$pid/exe" 2>/dev/null) $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    if [[ ( -n $output_base && $where == *"$output_base"* ) || $where == */tmp/daemoniker-* ]]; then
      printf 'pid %s (cwd %s): %s\n' "$pid" "$(readlink "/proc/$pid/cwd" 2>/dev/null)" \
        "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-200)"
    fi
  done
}

procs=""
for _ in $(seq 10); do
  procs=$(suspicious_processes)
  [[ -z $procs ]] && break
  sleep 1
done
files=$(comm -13 "$state/files" <(list_files))
looked_procs=$(list_pids | wc -l)
looked_files=$(list_files | wc -l)

if [[ -z $procs && -z $files ]]; then
  echo "test.sh: check leftovers: passed ($looked_procs processes, $looked_files matching files looked at)"
  exit 0
fi
{
  [[ -n $procs ]] && printf 'check_leftovers: process left running:\n%s\n' "$procs"
  [[ -n $files ]] && printf 'check_leftovers: file left behind:\n%s\n' "$files"
} | sed 's/^/    /'
summary=$( (printf '%s\n' "$procs" | grep -c . ; printf '%s\n' "$files" | grep -c .) | paste -sd' ')
echo "test.sh: check leftovers: failed: $(cut -d' ' -f1 <<<"$summary") processes, $(cut -d' ' -f2 <<<"$summary") files left (listed above)"
exit 1
