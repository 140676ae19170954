# Shared by the supervisor tests (sourced, never run): runs the daemoniker command under real
# supervisors and checks what they see. Usage, at the top of a test:
#   source "$(dirname "$0")/lib.sh"      # with the test's own arguments: DAEMONIKER
# It makes the test shell a child subreaper (orphans are reaped, as by a real init: no zombies),
# a temporary directory $tmp, a copy of the command $dmk, a test daemon $prog, and an EXIT trap
# that kills every process the test started and removes $tmp.

# Re-run under a child subreaper: the test shell adopts and reaps daemonized orphans (pid 1 of a
# container or VM may not reap them). prctl(PR_SET_CHILD_SUBREAPER = 36, 1) through perl's
# syscall(), whose number depends on the architecture.
if [[ -z ${SUPTEST_REAPED:-} ]]; then
  case $(uname -m) in
    x86_64) prctl=157 ;;
    aarch64 | riscv64) prctl=167 ;;
    *) echo "FAIL: no prctl syscall number known for $(uname -m)"; exit 1 ;;
  esac
  command -v perl >/dev/null || { echo "FAIL: perl is not installed (the test daemon is perl)"; exit 1; }
  SUPTEST_REAPED=1 exec perl -e \
    'syscall(shift, 36, 1, 0, 0, 0) == 0 or die "prctl(PR_SET_CHILD_SUBREAPER): $!\n"; exec @ARGV or die "exec: $!\n"' \
    -- "$prctl" bash "$0" "$@"
fi

set -uo pipefail
# Bazel runs tests with PATH=/bin:/usr/bin; start-stop-daemon and friends live in sbin.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
test_name=$(basename "$0" .sh)
[[ $# == 1 ]] || { echo "FAIL: usage: $0 DAEMONIKER"; exit 1; }
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/$test_name.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
# The TMPDIR of what the test starts: short, so that the command's notify socket fits under it
# (a deep TMPDIR would send it to /tmp, shared with every other test running at the same time).
short_tmp=$(mktemp -d /tmp/suptest.XXXXXX) || { echo "FAIL: mktemp /tmp"; exit 1; }
export TMPDIR=$short_tmp
mkdir "$tmp/bin" "$tmp/t" && cp -L "$1" "$tmp/bin/daemoniker" ||
  { echo "FAIL: cannot copy the command '$1'"; rm -rf "$tmp" "$short_tmp"; exit 1; }
dmk=$tmp/bin/daemoniker
prog=$tmp/bin/prog
out_dir=$tmp/out  # where prog records (see below); tests set it per service
failures=0
supervisors=()  # pids of the supervisors started by spawn: killed first
logs=()         # their output, shown when something failed

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# check WHAT CMD...: PASS or FAIL line for WHAT, as CMD succeeds.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# require TOOL...: every tool is installed, or the test fails now (never skips).
require() {
  local t
  for t; do
    command -v "$t" >/dev/null ||
      { echo "FAIL: required tool '$t' is not installed (tools/setup.sh installs it)"; exit 1; }
  done
}

# Every process the test starts carries SUPTEST_MARK=$tmp in its environment (the test shell does
# not): prints the live ones.
marked() {
  local d
  for d in /proc/[0-9]*; do
    grep -qzxF "SUPTEST_MARK=$tmp" "$d/environ" 2>/dev/null && echo "${d#/proc/}"
  done
}
cleanup() {
  local p left
  trap - EXIT INT TERM
  exec 2>/dev/null  # no "Killed" job notices
  for p in "${supervisors[@]}"; do kill -KILL "$p" 2>/dev/null; done  # first: no restarts
  for _ in $(seq 100); do
    left=$(marked)
    [[ -z $left ]] && break
    # shellcheck disable=SC2086 # one pid a word
    kill -KILL $left 2>/dev/null
    sleep 0.05
  done
  [[ -n $left ]] && echo "FAIL: cleanup could not kill: $left" && failures=$((failures + 1))
  wait
  if ((failures > 0)); then
    for p in "${logs[@]}"; do
      [[ -s $p ]] && { echo "--- ${p#"$tmp/"}"; sed 's/^/| /' "$p"; }
    done
  fi
  rm -rf "$tmp" "$short_tmp"
  ((failures == 0)) || exit 1
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# finish: the last line of a test (cleanup runs on exit).
finish() {
  echo "$test_name: $failures failure(s)"
  exit $((failures > 0))
}

# spawn LOG CMD...: starts CMD in the background in a new session (as runsvdir, s6-svscan or
# svscan start a supervisor), marked, with TMPDIR=$tmp/t; output to $tmp/LOG. Sets $spawned
# (CMD's pid: setsid does not fork here, the background job is no group leader).
spawn() {
  local log=$tmp/$1
  shift
  env "SUPTEST_MARK=$tmp" "TMPDIR=$short_tmp" setsid "$@" </dev/null >"$log" 2>&1 &
  spawned=$!
  logs+=("$log")
}
# supervise LOG CMD...: spawn, and the pid is killed first by the cleanup.
supervise() { spawn "$@"; supervisors+=("$spawned"); }

# now_ms: wall-clock milliseconds.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#${t:0:-3})); }
# wait_until SECONDS CMD...: polls CMD every 50 ms for at most SECONDS; returns 1 on timeout.
# (Arguments are expanded once: for a changing $(...), pass `eval 'TEXT'`.)
wait_until() {
  local end=$(($(now_ms) + $1 * 1000))
  shift
  until "$@"; do
    (($(now_ms) < end)) || return 1
    sleep 0.05
  done
}
# /proc/PID/stat fields after "(comm) ": state ppid pgrp session ...
stat_fields() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; echo "${s##*) }"; }
alive() { local f; f=$(stat_fields "$1") && [[ ${f%% *} != Z ]]; }  # a zombie is gone
gone() { ! alive "$1"; }
ppid_of() { local s f; s=$(stat_fields "$1") && read -ra f <<<"$s" && echo "${f[1]}"; }
pgid_of() { local s f; s=$(stat_fields "$1") && read -ra f <<<"$s" && echo "${f[2]}"; }
# read_pid FILE: its content without blanks (empty when missing).
read_pid() { tr -d ' \n' <"$1" 2>/dev/null; }
# locked FILE: it exists and someone holds its flock() lock.
locked() { [[ -e $1 ]] || return 1; flock -n -E 99 "$1" true; [[ $? == 99 ]]; }
is_pid() { [[ $1 =~ ^[0-9]+$ ]]; }
# lines FILE: its number of lines (0 when missing).
lines() { [[ -e $1 ]] && wc -l <"$1" || echo 0; }
contains_line() { grep -qxF "$2" "$1" 2>/dev/null; }

# run CMD...: runs it, output in $out (also shown, indented), exit status in $rc.
run() {
  out=$("$@" 2>&1)
  rc=$?
  echo "\$ ${*#"$tmp/bin/"} -> exit $rc"
  [[ -n $out ]] && sed 's/^/  | /' <<<"$out"
  return 0
}
# out_has TEXT: the output of the last run contains TEXT.
out_has() { [[ $out == *"$1"* ]]; }

# No daemoniker-notify.* directory left in the TMPDIR of what the test starts.
no_notify_dir_left() {
  local new
  new=$(compgen -G "$short_tmp/daemoniker-notify.*")
  [[ -z $new ]] || { echo "  left: $new"; return 1; }
}

# The test daemon: prog DIR [READY_FD]. A perl program (perl keeps the signal mask and
# dispositions it is given, unlike dash which clears the mask). Records in DIR:
#   sig.PID   its SigBlk and SigIgn lines (perl itself ignores SIGFPE)
#   env.PID   LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, NOTIFY_SOCKET
#   fd.PID    its open fds: "FD TARGET" per line
#   starts    its pid, appended once the TERM handler is in place
#   term      its pid, appended when SIGTERM came (then it exits 0)
# With READY_FD, once DIR/go exists it writes "ready\n" to that fd (s6's notification fd).
cat >"$prog" <<'EOF'
#!/usr/bin/perl
use strict;
use warnings;
my ($dir, $ready_fd) = @ARGV;
sub put {
  my ($name, $text, $mode) = @_;
  open(my $h, $mode // '>', "$dir/$name") or die "$dir/$name: $!";
  print $h $text;
  close $h;
}
open(my $st, '<', "/proc/$$/status") or die;
put("sig.$$", join('', grep { /^Sig(Blk|Ign):/ } <$st>));
close $st;
put("env.$$", join('', map { "$_=" . ($ENV{$_} // '') . "\n" }
                   qw(LISTEN_PID LISTEN_FDS LISTEN_FDNAMES NOTIFY_SOCKET)));
opendir(my $fds, "/proc/$$/fd") or die;
my @fds = sort { $a <=> $b } grep { /^\d+$/ } readdir $fds;
closedir $fds;
put("fd.$$", join('', map { "$_ " . (readlink("/proc/$$/fd/$_") // '') . "\n" } @fds));
$SIG{TERM} = sub { put('term', "$$\n", '>>'); exit 0 };
put('starts', "$$\n", '>>');
if (defined $ready_fd) {
  select(undef, undef, undef, 0.05) until -e "$dir/go";
  open(my $r, '>&=', $ready_fd) or die "fd $ready_fd: $!";
  syswrite($r, "ready\n") or die "write to fd $ready_fd: $!";
  close $r;
}
select(undef, undef, undef, 1) while 1;
EOF
chmod +x "$prog"

# sig_ok PID GIVEN_SIGIGN: the daemon PID (prog) had an empty signal mask, and ignored what its
# supervisor left ignored (GIVEN_SIGIGN, hex), nothing more or less (perl's own SIGFPE aside).
sig_ok() {
  local file=$out_dir/sig.$1 blk ign
  blk=$(sed -n 's/^SigBlk:\s*//p' "$file") ign=$(sed -n 's/^SigIgn:\s*//p' "$file")
  echo "  pid $1: SigBlk $blk, SigIgn $ign (given: $2; perl ignores SIGFPE itself)"
  [[ $blk =~ ^0+$ ]] && (((0x$ign & ~0x80) == (0x$2 & ~0x80)))
}
# sigblk_ok PID: the daemon PID (prog) had an empty signal mask.
sigblk_ok() {
  local blk
  blk=$(sed -n 's/^SigBlk:\s*//p' "$out_dir/sig.$1")
  echo "  pid $1: SigBlk $blk"
  [[ $blk =~ ^0+$ ]]
}
# fd_is PID FD PATTERN: the daemon's fd FD was open on something matching PATTERN (glob).
fd_is() {
  local t
  t=$(sed -n "s/^$2 //p" "$out_dir/fd.$1")
  echo "  pid $1: fd $2 -> ${t:-(closed)}"
  # shellcheck disable=SC2053 # $3 is a glob
  [[ -n $t && $t == $3 ]]
}
# env_is PID NAME VALUE: the daemon's environment had NAME=VALUE.
env_is() {
  local v
  v=$(sed -n "s/^$2=//p" "$out_dir/env.$1")
  echo "  pid $1: $2=$v"
  [[ $v == "$3" ]]
}

# A service directory DIR whose run script records what its supervisor gave it (SigIgn, to
# $out_dir/given) and execs `daemoniker start --pidfile PIDFILE OPTIONS... -- prog $out_dir [FD]`.
#   make_service DIR PIDFILE "OPTIONS" [READY_FD]
make_service() {
  mkdir -p "$1" "$out_dir"
  cat >"$1/run" <<EOF
#!/bin/sh
sed -n 's/^SigIgn:\s*//p' /proc/\$\$/status > $(printf %q "$out_dir/given")
exec $(printf %q "$dmk") start --pidfile $(printf %q "$2") $3 -- $(printf %q "$prog") $(printf %q "$out_dir") ${4:-}
EOF
  chmod +x "$1/run"
}
# started_pid: the last pid in $out_dir/starts (empty if none).
started_pid() { tail -n 1 "$out_dir/starts" 2>/dev/null; }
