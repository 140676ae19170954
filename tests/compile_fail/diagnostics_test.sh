#!/bin/bash
# Compile-fail tests: each snippet given on the command line is checked with the C++ compiler of
# Bazel's C++ toolchain, with -fsyntax-only and the project's flags.
#
#   diagnostics_test.sh <compiler> <snippet.cc>...
#
# A snippet with lines `// expect: <text>` must FAIL to compile, and the compiler's output must
# contain each <text> (byte for byte: em dashes and backquotes included), as the library's own
# diagnostic: a static_assert, or a call to a function declared with the error attribute. A
# snippet with a line `// expect-compile` is a control and must compile cleanly, with -Werror.
# Anything else fails.
# A snippet with a line `// target: windows` is compiled for Windows instead, with mingw-w64's
# x86_64-w64-mingw32-g++-posix (what --config=windows builds with): POSIX-only policies must
# fail there with a message naming the platform. Those snippets are compiled to assembly, not
# only checked for syntax: GCC reports a call to a function declared with
# __attribute__((error)) (DAEMONIKER_POSIX_ONLY) only when it generates the caller's code.
set -u

# Byte-wise matching, and ASCII quotes in the compiler's own text.
export LC_ALL=C

if (($# < 2)); then
  echo "usage: $0 <compiler> <snippet.cc>..." >&2
  exit 2
fi
cxx=$1
shift
if [[ $cxx != /* && $cxx == */* ]]; then cxx=$PWD/$cxx; fi
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "FAIL: compiler '$cxx' not found" >&2
  exit 1
fi

# The headers come from //daemoniker:public_headers, in the runfiles under
# <workspace>/daemoniker/include; Boost is Debian's, in /usr/include (searched by default, as it
# is for the @boost repository that //third_party:boost wraps).
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
include=$runfiles/daemoniker/include
if [[ ! -f $include/daemoniker/daemoniker.hpp ]]; then
  echo "FAIL: $include/daemoniker/daemoniker.hpp is missing: the test needs" \
    "data = [\"//daemoniker:public_headers\"]" >&2
  exit 1
fi
if [[ ! -f /usr/include/boost/hana.hpp ]]; then
  echo "FAIL: /usr/include/boost/hana.hpp is missing (Debian's libboost-dev)" >&2
  exit 1
fi

# As in .bazelrc. -x c++ because the toolchain's driver is gcc, not g++.
flags=(-x c++ -std=c++20 -Wall -Wextra -Wpedantic -fsyntax-only -I "$include")

# For `// target: windows`: mingw-w64, with Boost alone on its include path (not /usr/include,
# whose glibc headers are not Windows').
windows_cxx=$(command -v x86_64-w64-mingw32-g++-posix || true)
boost_only=$(mktemp -d "${TEST_TMPDIR:-/tmp}/boost-only.XXXXXX")
ln -s /usr/include/boost "$boost_only/boost"
windows_flags=(-x c++ -std=c++20 -Wall -Wextra -Wpedantic -S -o /dev/null -I "$include"
  -isystem "$boost_only")

# compile <snippet> [extra flags...]: with the compiler its `// target:` line asks for.
compile() {
  local snippet=$1
  shift
  if grep -q '^// target: windows$' "$snippet"; then
    if [[ -z $windows_cxx ]]; then
      echo "x86_64-w64-mingw32-g++-posix not found: install g++-mingw-w64-x86-64-posix" \
        "(tools/setup.sh does)"
      return 2
    fi
    "$windows_cxx" "${windows_flags[@]}" "$@" "$snippet"
  else
    "$cxx" "${flags[@]}" "$@" "$snippet"
  fi
}

echo "compiler: $cxx ($("$cxx" --version | head -n 1))"
echo "windows:  ${windows_cxx:-none}"
echo "include:  $include"
echo

failures=0
bad=0
controls=0
log=${TEST_TMPDIR:-$(mktemp -d)}/compiler_output.txt

for snippet in "$@"; do
  name=$(basename "$snippet")
  mapfile -t expects < <(sed -n 's|^// expect: ||p' "$snippet")
  control=$(grep -c '^// expect-compile$' "$snippet")
  n_expect=${#expects[@]}
  empty=0
  for expect in "${expects[@]}"; do [[ -z $expect ]] && empty=1; done

  if ((control > 1 || (control == 1 && n_expect > 0) || (control == 0 && n_expect == 0) || empty)); then
    echo "FAIL $name: needs lines '// expect: <text>' (one or more) or one '// expect-compile'"
    failures=$((failures + 1))
    continue
  fi

  if ((control)); then
    controls=$((controls + 1))
    if compile "$snippet" -Werror >"$log" 2>&1; then
      echo "ok   $name: compiles (control)"
    else
      echo "FAIL $name: the control must compile, but the compiler said:"
      sed 's/^/    | /' "$log"
      failures=$((failures + 1))
    fi
    continue
  fi

  bad=$((bad + 1))
  if compile "$snippet" >"$log" 2>&1; then
    echo "FAIL $name: compiled, but must fail with: ${expects[0]}"
    failures=$((failures + 1))
    continue
  fi
  missing=()
  for expect in "${expects[@]}"; do
    # The expected text, on the line of the library's own diagnostic.
    if ! grep -F -- "$expect" "$log" |
      grep -qE 'error: (static assertion failed|call to .* declared with attribute error)'; then
      missing+=("$expect")
    fi
  done
  if ((${#missing[@]} > 0)); then
    echo "FAIL $name: failed to compile as it should, but without the expected diagnostic"
    for expect in "${missing[@]}"; do echo "    expected: $expect"; done
    echo "    (as a static_assert failure or an error attribute); the compiler said:"
    sed 's/^/    | /' "$log"
    failures=$((failures + 1))
  else
    echo "ok   $name: fails with the expected diagnostic"
  fi
done

# Guard against a vacuous run (an empty glob, a lost control).
if ((bad == 0 || controls == 0)); then
  echo "FAIL: ran $bad must-fail snippets and $controls controls; at least one of each is needed"
  failures=$((failures + 1))
fi

echo
echo "$bad must-fail snippets, $controls controls, $failures failure(s)"
((failures == 0))
