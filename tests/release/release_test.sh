#!/bin/bash
# The release identity is one: the version defined in daemoniker/include/daemoniker/version.hpp
# is the one MODULE.bazel declares and CHANGELOG.md's newest release names; the licence is the
# Boost Software License 1.0. (daemoniker --version is checked by //tests:cli_test; CMake and
# daemoniker.pc take the version from version.hpp itself.)
set -u
runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

header=$runfiles/daemoniker/include/daemoniker/version.hpp
part() { sed -n "s/^#define DAEMONIKER_VERSION_$1 \([0-9]\+\)$/\1/p" "$header"; }
major=$(part MAJOR) minor=$(part MINOR) patch=$(part PATCH)
[[ -n $major && -n $minor && -n $patch ]] || { echo "FAIL: no version in $header"; exit 1; }
version=$major.$minor.$patch
echo "version.hpp: $version"

string=$(sed -n 's/^#define DAEMONIKER_VERSION "\(.*\)"$/\1/p' "$header")
[[ $string == "$version" ]] || fail "DAEMONIKER_VERSION is \"$string\", its parts say $version"

module=$(sed -n 's/^    version = "\(.*\)",$/\1/p' "$runfiles/MODULE.bazel" | head -n 1)
[[ $module == "$version" ]] || fail "MODULE.bazel declares version \"$module\", not $version"

newest=$(grep -m1 -oE '^## \[[0-9]+\.[0-9]+\.[0-9]+\]' "$runfiles/CHANGELOG.md" | tr -d '#[] ')
[[ $newest == "$version" ]] || fail "CHANGELOG.md's newest release is \"$newest\", not $version"

grep -q '^Boost Software License - Version 1.0 - August 17th, 2003$' "$runfiles/LICENSE" ||
  fail "LICENSE is not the Boost Software License 1.0"

echo "release_test: $failures failure(s)"
((failures == 0))
