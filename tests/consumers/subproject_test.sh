#!/bin/bash
# The subproject routes of the README's "Use it from your build": daemoniker built as part of a
# consumer's CMake project, which then runs.
#   add_subdirectory/  add_subdirectory(third_party/daemoniker), the sources copied there
#   fetch_content/     FetchContent_Declare(daemoniker URL ...) of a tarball of the sources,
#                      with BUILD_SHARED_LIBS=ON (the library follows it)
# As a subproject daemoniker builds the library alone: no command, no tests, no install rules.
#
#   subproject_test.sh --examples FILE... --project FILE...
source "$(dirname "$0")/lib.sh"

# cached BUILD VAR VALUE: the consumer's CMake cache says VAR is VALUE.
cached() { grep -qE "^$2:[A-Z]+=$3\$" "$1/CMakeCache.txt"; }
# library_only BUILD: daemoniker's options are off, and neither the command nor a test was built.
library_only() {
  local build=$1 option
  for option in DAEMONIKER_BUILD_CLI DAEMONIKER_BUILD_TESTS DAEMONIKER_INSTALL; do
    cached "$build" "$option" OFF || { echo "    $option is not OFF"; return 1; }
  done
  [[ -z $(find "$build" -type f \( -name daemoniker -o -name daemonize_test \)) ]] ||
    { echo "    built: $(find "$build" -type f \( -name daemoniker -o -name daemonize_test \))"; return 1; }
  ! grep -rqs 'daemonikerTargets' "$build/cmake_install.cmake"
}
# needed APP: the shared libraries APP needs (readelf -d).
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
IFS=. read -r major minor _ <<<"$version"

# 1. add_subdirectory of a copy of the sources.
consumer=$tmp/add_subdirectory
mkdir -p "$consumer/third_party" && cp "$examples/add_subdirectory/CMakeLists.txt" "$examples/app.cc" "$consumer/" &&
  cp -r "$tree" "$consumer/third_party/daemoniker"
if timed add_subdirectory "$consumer" "$examples/add_subdirectory/build.sh"; then
  check "add_subdirectory: builds the library alone" library_only "$consumer/build"
  check "add_subdirectory: the library is static by default (app needs no libdaemoniker.so)" \
    not grep -q libdaemoniker <<<"$(needed "$consumer/build/app")"
  runs_as_daemon add_subdirectory "$consumer/build/app"
fi

# 2. FetchContent of a tarball of the sources, as a release would be.
tar -C "$(dirname "$tree")" --transform "s|^src|daemoniker-$version|" -czf "$tmp/daemoniker-$version.tar.gz" src ||
  { fail "cannot make the tarball"; exit 1; }
url=file://$tmp/daemoniker-$version.tar.gz
export url
consumer=$tmp/fetch_content
mkdir -p "$consumer" && cp "$examples/fetch_content/CMakeLists.txt" "$examples/app.cc" "$consumer/"
if timed fetch_content "$consumer" "$examples/fetch_content/build.sh"; then
  check "fetch_content: builds the library alone" library_only "$consumer/build"
  check "fetch_content: with BUILD_SHARED_LIBS=ON app needs libdaemoniker.so.$major.$minor" \
    grep -qx "libdaemoniker.so.$major.$minor" <<<"$(needed "$consumer/build/app")"
  runs_as_daemon fetch_content "$consumer/build/app"
fi
