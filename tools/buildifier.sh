#!/usr/bin/env bash
# Lints every Bazel file of the project (BUILD, WORKSPACE, MODULE.bazel, .bzl, third_party's
# *.BUILD) with buildifier — format and `--lint=warn` — as Bazel 8+ expects them (rules loaded
# from @rules_cc/@rules_shell, documented macros, ...). The offline rule stand-ins under
# third_party/rules_* are left out: they mirror the real rules' layout, not ours.
#
#   bash tools/buildifier.sh          check (exit 1 on any finding)
#   bash tools/buildifier.sh --fix    rewrite the files instead
#
# Prints the findings and a last line "buildifier: N findings in M files".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

version=8.2.1
bin=${BUILDIFIER:-/var/cache/daemoniker/buildifier-$version/node_modules/.bin/buildifier}
[[ -x $bin ]] || { echo "buildifier: $bin not found (bash tools/setup.sh installs it)" >&2; exit 2; }

# The project's files: git's list in a clone, else every file below (a `git archive` copy).
list_files() {
  if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -co --exclude-standard
  else
    find . -type f -not -path './bazel-*' | sed 's|^\./||'
  fi
}
mapfile -t files < <(list_files |
  grep -E '(^|/)(BUILD\.bazel|BUILD|WORKSPACE|MODULE\.bazel|[^/]*\.bzl|[^/]*\.BUILD)$' |
  grep -v '^third_party/rules_')
((${#files[@]} > 0)) || { echo "buildifier: no Bazel files found below $PWD" >&2; exit 1; }
if [[ ${1:-} == --fix ]]; then
  exec "$bin" --lint=fix "${files[@]}"
fi
out=$("$bin" --lint=warn --mode=check "${files[@]}" 2>&1)
status=$?
[[ -n $out ]] && echo "$out"
n=$(grep -cE '^[^ ]+(:[0-9]+: [a-z-]+:| # reformat)' <<<"$out")
m=$(grep -oE '^[^ :]+' <<<"$out" | sort -u | grep -c .)
echo "buildifier: $n findings in $m files (${#files[@]} files checked)"
((status == 0 && n == 0))
