#!/usr/bin/env bash
# Runs clang-tidy (with the committed .clang-tidy) over the library and the command:
#
#   bash tools/tidy.sh [FILES...]      default: daemoniker/src/*.cc daemoniker/cli/*.cc
#
# Compile flags are those of the Bazel build (C++20, the library's include directory, Boost and
# CLI11 from /usr/include). Prints the findings and a last line
#   tidy: N findings in M files
# Exit status 0 when there are none, 1 otherwise (2 when clang-tidy is missing).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

tidy=${CLANG_TIDY:-}
for c in clang-tidy clang-tidy-14; do
  [[ -z $tidy ]] && command -v "$c" >/dev/null 2>&1 && tidy=$c
done
[[ -n $tidy ]] || { echo "tidy: clang-tidy not found (Debian: apt-get install clang-tidy)" >&2; exit 2; }

files=("$@")
((${#files[@]})) || files=(daemoniker/src/*.cc daemoniker/cli/*.cc)
flags=(-std=c++20 -I. -Idaemoniker/include -Wall -Wextra)

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in "${files[@]}"; do
  "$tidy" --quiet "$f" -- "${flags[@]}" 2>/dev/null
done | tee "$out"
n=$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$out")
m=$(grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$out" | cut -d: -f1 | sort -u | grep -c .)
echo "tidy: $n findings in $m files"
((n == 0))
