#!/usr/bin/env bash
# The project's test command (see README):
#
#   bash tools/test.sh [--native-only | --windows-only] [extra bazel flags, e.g. --config=asan]
#
# Installs missing dependencies (tools/setup.sh), then builds everything and
# runs every test twice:
#   1. natively:                       bazel test //...
#   2. for Windows, under Wine:        bazel test --config=windows //...
#      (cross-compiled with mingw-w64; see .bazelrc and //toolchains)
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
case ${1:-} in
  --native-only) runs=(native); shift ;;
  --windows-only) runs=(windows); shift ;;
esac

bash tools/setup.sh || exit $?

flags=(--keep_going)  # report every broken target, not just the first
if [[ -n ${CI:-} ]]; then
  # Plain, line-oriented output for logs; no terminal control codes.
  flags+=(--color=no --curses=no --show_progress_rate_limit=10)
fi

overall=0
for run in "${runs[@]}"; do
  config=()
  [[ $run == windows ]] && config=(--config=windows)
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
exit "$overall"
