#!/bin/bash
# Every public header compiles on its own (it includes what it uses) against daemoniker/include
# alone — the directory users get — and none of them is a link or reaches a private header;
# compiled as C++17, each stops at one error naming the flag to set.
#
#   headers_test.sh <compiler>
set -u
export LC_ALL=C
cxx=$1
if [[ $cxx != /* && $cxx == */* ]]; then cxx=$PWD/$cxx; fi
command -v "$cxx" >/dev/null 2>&1 || { echo "FAIL: compiler '$cxx' not found"; exit 1; }
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
include=$runfiles/daemoniker/include
[[ -f $include/daemoniker/daemoniker.hpp ]] || { echo "FAIL: no $include/daemoniker/daemoniker.hpp"; exit 1; }
[[ -f /usr/include/boost/hana.hpp ]] || { echo "FAIL: /usr/include/boost/hana.hpp is missing (libboost-dev)"; exit 1; }

failures=0 count=0
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/headers.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The public tree holds the headers themselves (no links to elsewhere), and none of them
#    reaches into the private sources (src/: the seam, the wire format, identity).
while IFS= read -r header; do
  name=${header#"$include"/}
  # (Runfiles are links themselves; what matters is where the file really is.)
  if [[ $(readlink -f "$header") != */include/"$name" ]]; then
    echo "FAIL: <$name> is a link to $(readlink -f "$header"): public headers live in daemoniker/include/ itself"
    failures=$((failures + 1))
  fi
  if grep -nE '#include +["<](daemoniker/src/|\.\./)' "$header"; then
    echo "FAIL: <$name> includes a private header (daemoniker/src/ is not installed)"
    failures=$((failures + 1))
  fi
done < <(find "$include/daemoniker" -name '*.hpp' | sort)

# 2. Each public header compiles alone, twice included (include guards), with -Werror.
while IFS= read -r header; do
  name=${header#"$include"/}
  count=$((count + 1))
  printf '#include <%s>\n#include <%s>\nint main() {}\n' "$name" "$name" >"$work/one.cc"
  if ! out=$("$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$include" "$work/one.cc" 2>&1); then
    echo "FAIL: <$name> does not compile on its own:"
    echo "$out" | head -n 20
    failures=$((failures + 1))
  fi
done < <(find "$include/daemoniker" -name '*.hpp' | sort)

# 3. Below C++20, each header stops at one error that names the flag to set (not hundreds).
while IFS= read -r header; do
  name=${header#"$include"/}
  printf '#include <%s>\nint main() {}\n' "$name" >"$work/old.cc"
  out=$("$cxx" -std=c++17 -fsyntax-only -I"$include" "$work/old.cc" 2>&1)
  errors=$(grep -c 'error:' <<<"$out")
  if ! grep -q 'daemoniker needs C++20: Bazel: build --cxxopt=-std=c++20' <<<"$out" || ((errors > 2)); then
    echo "FAIL: <$name> with -std=c++17 does not stop at the one C++20 error ($errors error lines):"
    echo "$out" | head -n 10
    failures=$((failures + 1))
  fi
done < <(find "$include/daemoniker" -name '*.hpp' | sort)

echo "headers_test: $count headers, $failures failure(s)"
((count > 20)) || { echo "FAIL: only $count headers found"; exit 1; }
exit $((failures > 0))
