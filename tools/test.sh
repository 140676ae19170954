#!/usr/bin/env bash
# The project's test command (see README):
#
#   bash tools/test.sh [--native-only | --windows-only | --sanitizers-only] [--sanitizers]
#                      [extra bazel flags, e.g. --config=asan]
#
# Installs missing dependencies (tools/setup.sh), then builds everything and
# runs every test twice:
#   1. natively:                       bazel test //...
#   2. for Windows, under Wine:        bazel test --config=windows //...
#      (cross-compiled with mingw-w64; see .bazelrc and //toolchains)
# and with --sanitizers (CI passes it) a third time:
#   3. natively under ASan+UBSan:      bazel test --config=asan-ubsan //...
#      (own output directory; tests tagged "fuzz" are left out: the fuzzer is
#      built with ASan+UBSan by clang already; so are tests tagged "no-sanitizers": the
#      systemd-nspawn container has no sanitizer runtime for the binaries it runs; and tests
#      tagged "consumer": they build with CMake and its own flags, so would only run again)
# --sanitizers-only runs just that one.
#
# Around the runs, tools/check_leftovers.sh looks for processes and temporary
# files the tests left outside their TEST_TMPDIR and prints
# "test.sh: check leftovers: passed|failed: ...", which count_results.py
# counts as one test (a failure makes the exit status 3).
# Targets that only make sense on one OS carry target_compatible_with and are
# SKIPPED in the other run. Benchmarks are built but not run (see .bazelrc).
# Extra flags go to both runs; --native-only / --windows-only run just one
# (sanitizer configs, for instance, are native only).
#
# After each run it prints "test.sh: run NAME finished: status N, testlogs DIR"
# for tools/count_results.py. Results stay in each run's DIR (the Windows run
# keeps its own, bazel-out/k8-fastbuild-windows/testlogs). Exits with the
# first non-zero Bazel status: 0 all passed, 1 build failed, 3 some test
# failed, 4 no test targets, ...
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

runs=(native windows)
sanitizers=false
while (($#)); do
  case $1 in
    --native-only) runs=(native); shift ;;
    --windows-only) runs=(windows); shift ;;
    --sanitizers-only) runs=(); sanitizers=true; shift ;;
    --sanitizers) sanitizers=true; shift ;;
    *) break ;;
  esac
done
$sanitizers && runs+=(sanitizers)

bash tools/setup.sh || exit $?

flags=(--keep_going)  # report every broken target, not just the first
if [[ -n ${CI:-} ]]; then
  # Plain, line-oriented output for logs; no terminal control codes.
  flags+=(--color=no --curses=no --show_progress_rate_limit=10)
fi

leftovers=$(mktemp -d "${TMPDIR:-/tmp}/test-sh-leftovers.XXXXXX")
trap 'rm -rf "$leftovers"' EXIT
bash tools/check_leftovers.sh snapshot "$leftovers"

overall=0
for run in "${runs[@]}"; do
  config=()
  [[ $run == windows ]] && config=(--config=windows)
  # Benchmarks stay filtered out (.bazelrc); so does the fuzzer (see above).
  [[ $run == sanitizers ]] && config=(--config=asan-ubsan --test_tag_filters=-benchmark,-fuzz,-no-sanitizers,-consumer)
  echo "test.sh: bazel test ${flags[*]} ${config[*]} $* //..."
  bazel test "${flags[@]}" "${config[@]}" "$@" -- //...
  status=$?
  # The bazel-testlogs symlink points at the output directory of the build
  # that just ran; resolve it now, before the next run moves it.
  testlogs=$(readlink -f bazel-testlogs 2>/dev/null)
  [[ -n $testlogs ]] || testlogs=$(bazel info "${config[@]}" bazel-testlogs 2>/dev/null)
  echo "test.sh: run $run finished: status $status, testlogs $testlogs"
  ((overall == 0)) && overall=$status
done

if ! bash tools/check_leftovers.sh check "$leftovers"; then
  ((overall == 0)) && overall=3
fi

# With --sanitizers (CI), clang-tidy over the library and the command must be clean too.
if $sanitizers; then
  if tidy_out=$(bash tools/tidy.sh 2>&1); then
    echo "test.sh: check tidy: passed (${tidy_out##*$'\n'})"
  else
    echo "$tidy_out" | tail -n 40
    echo "test.sh: check tidy: failed: ${tidy_out##*$'\n'}"
    ((overall == 0)) && overall=3
  fi
fi
exit "$overall"
