#!/usr/bin/env bash
# The project's test command (see README):
#
#   bash tools/test.sh [extra bazel flags, e.g. --config=asan]
#
# Installs missing dependencies (tools/setup.sh), then builds everything and
# runs every test with `bazel test //...`. Benchmarks are built but not run
# (see .bazelrc). Results stay in bazel-testlogs/. Exits with Bazel's status:
# 0 all passed, 1 build failed, 3 some test failed, 4 no test targets, ...
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

bash tools/setup.sh || exit $?

flags=(--keep_going)  # report every broken target, not just the first
if [[ -n ${CI:-} ]]; then
  # Plain, line-oriented output for logs; no terminal control codes.
  flags+=(--color=no --curses=no --show_progress_rate_limit=10)
fi

echo "test.sh: bazel test ${flags[*]} $* //..."
bazel test "${flags[@]}" "$@" -- //...
