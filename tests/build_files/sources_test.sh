#!/bin/bash
# The Bazel and CMake builds compile the same files and run the same tests (sources_check.py has
# the rules). First the checker is given copies made to drift, each of which it must refuse
# naming the file or test — so this test is known to be able to fail; then the real tree.
#
#   sources_test.sh SOURCES_CHECK_PY BAZEL_TARGETS_XML NAMES_TXT... -- CMAKE_PROJECT_FILE...
set -u
export LC_ALL=C
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
check=$runfiles/$1 query=$runfiles/$2
shift 2
names=()
while (($#)) && [[ $1 != -- ]]; do names+=("$runfiles/$1"); shift; done
shift
for tool in cmake ctest python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/setup.sh installs it)"; exit 1; }
done
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/sources.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
trap 'rm -rf "$work"' EXIT

# The CMake project as a plain source tree (runfiles are links).
tree=$work/tree
for f; do
  mkdir -p "$tree/$(dirname "$f")" && cp -L "$runfiles/$f" "$tree/$f" || { echo "FAIL: cannot copy $f"; exit 1; }
done
[[ -f $tree/CMakeLists.txt && -f $tree/cmake/sources.cmake ]] || { echo "FAIL: no CMake project in the data"; exit 1; }

failures=0 n=0
# run DIR QUERY: the checker on a source tree; sets $out and $status.
run() {
  n=$((n + 1))
  out=$(python3 "$check" --query "$2" --names "${names[@]}" --source "$1" --build "$work/build$n" 2>&1)
  status=$?
}
# refuses WHAT WANTED EDIT...: a copy of the tree, changed by the shell code EDIT (run in it),
# must be refused with a FAIL line containing WANTED.
refuses() {
  local what=$1 wanted=$2 copy=$work/copy$((n + 1)) xml=$query
  shift 2
  cp -r "$tree" "$copy"
  if ! (cd "$copy" && eval "$*"); then echo "FAIL: the edit for '$what' did not apply"; failures=$((failures + 1)); return; fi
  [[ -f $copy/bazel.xml ]] && xml=$copy/bazel.xml
  run "$copy" "$xml"
  if [[ $status == 1 && $out == *"FAIL "*"$wanted"* ]]; then
    echo "ok: refuses $what"
  else
    echo "FAIL: the checker did not refuse $what (status $status, wanted a FAIL naming '$wanted'):"
    sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  fi
}
# edits FILE SED_SCRIPT: sed -i that must change FILE.
edits() { local before; before=$(<"$1"); sed -i "$2" "$1" && [[ $(<"$1") != "$before" ]]; }

refuses "a library source CMake does not compile" "compiles daemoniker/src/notify.cc; CMake's daemoniker does not" \
  'edits cmake/sources.cmake "\|daemoniker/src/notify.cc$|d"'
refuses "a public header CMake does not know" "compiles daemoniker/include/daemoniker/fwd.hpp; CMake's daemoniker does not" \
  'edits cmake/sources.cmake "\|daemoniker/include/daemoniker/fwd.hpp$|d"'
refuses "a source only CMake compiles" "CMake's daemoniker compiles daemoniker/src/cmake_only.cc" \
  'touch daemoniker/src/cmake_only.cc && edits cmake/sources.cmake "s|^    daemoniker/src/notify.cc$|&\n    daemoniker/src/cmake_only.cc|"'
refuses "a source only Bazel compiles" "//daemoniker:daemoniker compiles daemoniker/src/bazel_only.cc" \
  "cp '$query' bazel.xml && edits bazel.xml '\\|name=\"//daemoniker:daemonization\"|,\\|</rule>| s|<list name=\"srcs\">|&<label value=\"//daemoniker:src/bazel_only.cc\"/>|'"
refuses "a command source CMake does not compile" "compiles daemoniker/cli/start.cc; CMake's daemoniker_cli does not" \
  'edits cmake/sources.cmake "\|daemoniker/cli/start.cc)\?$|s|daemoniker/cli/start.cc||"'
refuses "a Bazel test CTest does not run" "the Bazel test //tests:signals_test is neither a CTest test" \
  'edits tests/CMakeLists.txt "/daemoniker_test(signals_test)/d"'
refuses "a test over the direct seam in one build, the faulty one in the other" \
  "//tests:regression_test compiles daemoniker/src/sys_faults.cc; CMake's regression_test does not" \
  'edits tests/CMakeLists.txt "s/daemoniker_test(regression_test FAULT_INJECTION)/daemoniker_test(regression_test)/"'
refuses "a test run with other arguments" "reliability_owner_test: Bazel runs it with arguments" \
  'edits tests/CMakeLists.txt "s/--gtest_filter=Reliability.PidFileOfAnotherUser\*/--gtest_filter=*/"'
refuses "a test without its environment" "cli_test: Bazel sets DAEMONIKER_CLI, CTest does not" \
  'edits tests/CMakeLists.txt "s/daemoniker_test(cli_test SIZE medium ENV \"\${_cli}\")/daemoniker_test(cli_test SIZE medium)/"'
refuses "a test with another timeout" "cli_test: size medium is a 300 s timeout" \
  'edits tests/CMakeLists.txt "s/daemoniker_test(cli_test SIZE medium/daemoniker_test(cli_test/"'
refuses "a test left out without saying so" "the Bazel test windows_test is neither a CTest test" \
  'edits tests/CMakeLists.txt "s/not-under-ctest: windows_test/not under ctest: windows_test/"'

# The real tree.
run "$tree" "$query"
echo "$out"
if [[ $status != 0 ]]; then
  echo "FAIL: the Bazel and CMake builds differ (above): make cmake/sources.cmake or tests/CMakeLists.txt say what the BUILD files say"
  failures=$((failures + 1))
fi
echo "sources_test: $n checker runs, $failures failure(s)"
exit $((failures > 0))
