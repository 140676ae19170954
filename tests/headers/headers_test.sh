#!/bin/bash
# Every public header compiles on its own (it includes what it uses), and every header of the
# library is reachable as <daemoniker/...>: the include/ directory holds a link to each one, so
# a header added without its link fails here instead of silently dropping out for users.
#
#   headers_test.sh <compiler>
set -u
export LC_ALL=C
cxx=$1
if [[ $cxx != /* && $cxx == */* ]]; then cxx=$PWD/$cxx; fi
command -v "$cxx" >/dev/null 2>&1 || { echo "FAIL: compiler '$cxx' not found"; exit 1; }
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
root=$runfiles/daemoniker
include=$root/include
[[ -f $include/daemoniker/daemoniker.hpp ]] || { echo "FAIL: no $include/daemoniker/daemoniker.hpp"; exit 1; }
[[ -f /usr/include/boost/hana.hpp ]] || { echo "FAIL: /usr/include/boost/hana.hpp is missing (libboost-dev)"; exit 1; }

failures=0 count=0
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/headers.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Each header of the library (daemoniker/*.hpp, policy/, detail/) has its link in include/.
for header in "$root"/*.hpp "$root"/policy/*.hpp "$root"/detail/*.hpp; do
  relative=${header#"$root"/}
  if [[ ! -e $include/daemoniker/$relative ]]; then
    echo "FAIL: daemoniker/$relative has no link in daemoniker/include/daemoniker/ (ln -s it there)"
    failures=$((failures + 1))
  fi
done

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

echo "headers_test: $count headers, $failures failure(s)"
((count > 20)) || { echo "FAIL: only $count headers found"; exit 1; }
exit $((failures > 0))
