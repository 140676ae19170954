#!/bin/bash
# Every C++ code block of README.md and docs/*.md is compiled code — a marked region of an
# example that //docs/examples builds and runs — or a synopsis marked as one and saying why
# (snippets.py has the rules). First the checker is given documents it must refuse, so that this
# test is known to be able to fail; then it checks the real ones.
#
#   snippets_test.sh SNIPPETS_PY --sources EXAMPLE.cc... --docs FILE.md...
set -u
checker=$1
shift
root=${TEST_SRCDIR:+$TEST_SRCDIR/${TEST_WORKSPACE:-daemoniker}}
root=${root:-$PWD}
failures=0

# 1. The checker refuses what it must. A fixture: one example, and documents about it.
fixture=$(mktemp -d "${TEST_TMPDIR:-/tmp}/snippets.XXXXXX")
mkdir -p "$fixture/docs/examples"
cat >"$fixture/docs/examples/x.cc" <<'EOF'
// [snippet:a]
int f();
// [snippet:b]
int g();
// [/snippet:a]
// [/snippet:b]
int main() {
  // [snippet:a]
  return f();
  // [/snippet:a]
}
EOF
fence='```' nl=$'\n'
snippet_a="<!-- snippet: docs/examples/x.cc#a -->
${fence}cpp
int f();
int g();
return f();
$fence"
snippet_b="<!-- snippet: docs/examples/x.cc#b -->
${fence}cpp
  int g();   
$fence"
synopsis="<!-- synopsis: an outline -->
${fence}cpp
template <class T> using t = /* ... */;
$fence"
good="$snippet_a
$snippet_b
$synopsis"
# check DOC_TEXT: runs the checker on the fixture with that document; sets $out and $status.
check() {
  printf '%s\n' "$1" >"$fixture/doc.md"
  out=$(python3 "$root/$checker" "$fixture" --sources docs/examples/x.cc --docs doc.md 2>&1)
  status=$?
}
# refuses WHAT DOC_TEXT MESSAGE: the checker must fail on the document, saying MESSAGE.
refuses() {
  check "$2"
  if [[ $status == 1 && $out == *"FAIL "*"$3"* ]]; then
    echo "ok: refuses $1"
  else
    echo "FAIL: the checker did not refuse $1 (status $status, wanted '$3'):"
    sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  fi
}

check "$good"
if [[ $status == 0 && $out == *"snippets: 2 checked, 1 synopses, 0 failure(s)"* ]]; then
  echo "ok: accepts a region in two parts, an overlapping one, indentation, and a synopsis"
else
  echo "FAIL: the checker refused a correct document (status $status):"
  sed 's/^/    /' <<<"$out"
  failures=$((failures + 1))
fi
refuses "an unmarked block" "$good
${fence}cpp
int h();
$fence" "an unmarked ${fence}cpp block"
refuses "C++ fenced otherwise" "$good
${fence}c++
int h();
$fence" "fenced as ${fence}c++"
refuses "a block that differs from its region" "${good/return f();/return f() + 1;}" \
  "differs from docs/examples/x.cc#a"
refuses "a block that leaves out a line of its region" "${good/int f();$nl/}" \
  "differs from docs/examples/x.cc#a"
refuses "a region that does not exist" "${good/x.cc#b/x.cc#c}" "has no region 'c'"
refuses "a source that is not a compiled example" "${good/x.cc#b/y.cc#b}" \
  "not one of the compiled examples"
refuses "a synopsis without a reason" "${good/synopsis: an outline/synopsis: }" "must say why"
refuses "a marker not followed by a block" "<!-- synopsis: why -->

$good" "a marker must be the line right before"
refuses "a region that no document shows" "$snippet_a
$synopsis" "region 'b' is shown by no document"
printf '// [snippet:a]\nint f();\n' >>"$fixture/docs/examples/x.cc"
refuses "a region that is never closed" "$good" "region 'a' is never closed"

# 2. The documentation.
echo
out=$(python3 "$root/$checker" "$root" "$@" 2>&1)
status=$?
echo "$out"
[[ $status == 0 ]] || failures=$((failures + 1))
echo "snippets_test: $failures failure(s)"
exit $((failures > 0))
