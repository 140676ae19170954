#!/bin/bash
# The README's "Use it from your build" shows the files //tests/consumers builds and runs, as
# they are (readme_check.py has the rules). First the checker is given documents it must refuse,
# so that this test is known to be able to fail; then the README.
#
#   readme_test.sh README_CHECK_PY README_MD FILE...    (FILE: each file the README must show)
set -u
export LC_ALL=C
root=${TEST_SRCDIR:+$TEST_SRCDIR/${TEST_WORKSPACE:-daemoniker}}
root=${root:-$PWD}
checker=$root/$1 readme=$2
shift 2
failures=0

fixture=$(mktemp -d "${TEST_TMPDIR:-/tmp}/readme.XXXXXX")
trap 'rm -rf "$fixture"' EXIT
printf 'cmake -S . -B build\ncmake --build build\n' >"$fixture/build.sh"
fence='```'
good="<!-- file: build.sh -->
${fence}sh
cmake -S . -B build
cmake --build build   
$fence"
# refuses WHAT DOC_TEXT MESSAGE: the checker must fail on the document, saying MESSAGE.
refuses() {
  printf '%s\n' "$2" >"$fixture/doc.md"
  out=$(python3 "$checker" "$fixture" doc.md --shown build.sh 2>&1)
  if [[ $? == 1 && $out == *"FAIL "*"$3"* ]]; then
    echo "ok: refuses $1"
  else
    echo "FAIL: the checker did not refuse $1 (wanted '$3'):"
    sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  fi
}
printf '%s\n' "$good" >"$fixture/doc.md"
if out=$(python3 "$checker" "$fixture" doc.md --shown build.sh 2>&1); then
  echo "ok: accepts a faithful copy"
else
  echo "FAIL: the checker refused a faithful copy:"
  sed 's/^/    /' <<<"$out"
  failures=$((failures + 1))
fi
refuses "a block that differs" "${good/--build build/--build build -j8}" "differs from build.sh"
refuses "a file not shown" "no block here" "does not show build.sh"
refuses "a marker without its fence" "<!-- file: build.sh -->

$fence
$fence" "must be the line right before a fence"
refuses "a missing file" "<!-- file: nothing.sh -->
${fence}sh
$fence
$good" "cannot read nothing.sh"

python3 "$checker" "$root" "$readme" --shown "$@" || failures=$((failures + 1))
echo "readme_test: $failures failure(s)"
exit $((failures > 0))
