#!/usr/bin/env bash
# Builds the payload fuzzer with clang++ (libFuzzer + ASan + UBSan) and runs it.
#
#   bash tools/fuzz.sh [SECONDS] [--root DIR] [--keep DIR]
#
# SECONDS (default 30) of fuzzing, starting from a seed corpus of valid frames written by
# tests/fuzz/make_corpus.cc. Memory is capped low — one allocation over -malloc_limit_mb, or a
# resident size over -rss_limit_mb, is a finding — and the target itself aborts on any single
# allocation larger than the input justifies (see payload_fuzzer.cc). Ends with one line
#   fuzz: executions=N coverage=N features=N corpus=N crashes=N seconds=N
# and exits non-zero when libFuzzer found anything (the reproducer is kept and named).
# --root: the source tree (default: this script's repository); --keep: where to leave the
# binaries, the corpus and any crash (default: a temporary directory, removed at the end).
# Needs clang++ and the libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
set -uo pipefail

seconds=30
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
keep=
while (($#)); do
  case $1 in
    --root) root=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) seconds=$1; shift ;;
  esac
done

cxx=${CLANGXX:-}
if [[ -z $cxx ]]; then
  for c in clang++ clang++-14; do
    if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
  done
fi
if [[ -z $cxx ]]; then
  echo "fuzz: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 77
fi

if [[ -n $keep ]]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/daemoniker-fuzz.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/corpus" "$work/artifacts"

flags=(-std=c++20 -g -O1 -I"$root" -I"$root/daemoniker/include")  # boost: /usr/include, searched by default
frame=("$root/daemoniker/src/payload_frame.cc")  # the frame header: compiled, not in the headers
echo "fuzz: building with $($cxx --version | head -n1)"
start=$(date +%s)
if ! "$cxx" "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
     "$root/tests/fuzz/payload_fuzzer.cc" "${frame[@]}" -o "$work/payload_fuzzer" 2>"$work/build.log"; then
  cat "$work/build.log" >&2
  if grep -q "libclang_rt.fuzzer\|cannot find.*fuzzer" "$work/build.log"; then
    echo "fuzz: the libFuzzer runtime is missing (Debian: apt-get install libclang-rt-14-dev)" >&2
    exit 77
  fi
  echo "fuzz: build failed" >&2
  exit 1
fi
"$cxx" "${flags[@]}" "$root/tests/fuzz/make_corpus.cc" "${frame[@]}" -o "$work/make_corpus" || exit 1
"$work/make_corpus" "$work/corpus" || exit 1
echo "fuzz: built in $(($(date +%s) - start)) s; fuzzing for $seconds s"

# ASan/LSan/UBSan: every finding is fatal and reported with a stack.
# A small quarantine keeps the resident size meaningful for -rss_limit_mb.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16:malloc_context_size=10}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$work/payload_fuzzer" -max_total_time="$seconds" -rss_limit_mb=160 -malloc_limit_mb=64 \
  -max_len=65536 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" >"$work/fuzz.log" 2>&1
status=$?

# Figures: "#N DONE cov: C ft: F corp: K/..." and "stat::number_of_executed_units: N".
done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$work/fuzz.log" | tail -n1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n1)
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$done_line")
corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$done_line")
crashes=$(find "$work/artifacts" -type f | wc -l)
if ((status != 0)); then
  tail -n 60 "$work/fuzz.log" >&2
  for f in "$work/artifacts"/*; do
    [[ -f $f ]] && echo "fuzz: reproducer $f ($(wc -c <"$f") bytes): $(od -An -tx1 -N64 "$f" | tr -s ' \n' ' ')" >&2
  done
  [[ -z $keep ]] && echo "fuzz: pass --keep DIR to keep the reproducer" >&2
fi
rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/fuzz.log" | tail -n1)
echo "fuzz: executions=${execs:-0} coverage=${cov:-0} features=${ft:-0} corpus=${corp:-0} crashes=$crashes peak_rss_mb=${rss:-0} seconds=$seconds status=$status"
exit "$status"
