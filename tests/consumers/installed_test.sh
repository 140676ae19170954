#!/bin/bash
# The installed routes of the README's "Use it from your build": daemoniker is configured, built,
# tested (ctest) and installed into a temporary prefix with docs/examples/consumers/install.sh,
# then two consumers build against that one installation and run:
#   find_package/  find_package(daemoniker 0.1 CONFIG REQUIRED) + daemoniker::daemoniker
#   pkg-config/    g++ -std=c++20 app.cc $(pkg-config --cflags --libs daemoniker)
# Also checked: what is installed where, the package's version rules, daemoniker.pc's flags, and
# the installed command (status of the consumer's daemon).
#
#   installed_test.sh --examples FILE... --project FILE...
source "$(dirname "$0")/lib.sh"

prefix=$tmp/prefix
export prefix

# 1. Build, test and install, as the README says.
timed install "$tree" "$examples/install.sh" || exit 1

# 2. What is installed.
installed() { [[ -f $prefix/$1 ]]; }
for f in lib/libdaemoniker.a lib/cmake/daemoniker/daemonikerConfig.cmake \
  lib/cmake/daemoniker/daemonikerConfigVersion.cmake lib/cmake/daemoniker/daemonikerTargets.cmake \
  lib/pkgconfig/daemoniker.pc; do
  check "installs $f" installed "$f"
done
check "installs the command as bin/daemoniker" test -x "$prefix/bin/daemoniker"
check "installs the license as share/doc/daemoniker/LICENSE" cmp -s "$tree/LICENSE" "$prefix/share/doc/daemoniker/LICENSE"
headers() { (cd "$1" && find . -type f -o -type l | sort); }
check "installs under include/ the public headers, all of them and nothing else" \
  test "$(headers "$tree/daemoniker/include")" = "$(headers "$prefix/include")"
# The man page and the bash completion, as the sources have them.
same_file() { [[ -e $1 ]] && cmp -s "$1" "$2"; }
check "installs daemoniker/cli/daemoniker.1 as share/man/man1/daemoniker.1" \
  same_file "$tree/daemoniker/cli/daemoniker.1" "$prefix/share/man/man1/daemoniker.1"
check "installs daemoniker/cli/daemoniker.bash-completion as share/bash-completion/completions/daemoniker" \
  same_file "$tree/daemoniker/cli/daemoniker.bash-completion" "$prefix/share/bash-completion/completions/daemoniker"

# The installed command on a consumer's daemon: LSB status 0 while it runs.
the_installed_command_reports_it_running() { "$prefix/bin/daemoniker" status --pidfile "$1" >/dev/null; }

# 3. find_package: the README's CMakeLists.txt over app.cc.
consumer=$tmp/find_package
mkdir -p "$consumer" && cp "$examples/find_package/CMakeLists.txt" "$examples/app.cc" "$consumer/"
if timed find_package "$consumer" "$examples/find_package/build.sh"; then
  check "find_package found the installed package" \
    grep -qxF "daemoniker_DIR:PATH=$prefix/lib/cmake/daemoniker" "$consumer/build/CMakeCache.txt"
  check "daemoniker::daemoniker brings C++20 to what links it (app's flags: $(grep -o -- '-std=[^ ]*' "$consumer/build/CMakeFiles/app.dir/flags.make"))" \
    grep -qE -- '-std=(c|gnu)\+\+20' "$consumer/build/CMakeFiles/app.dir/flags.make"
  check "daemoniker::daemoniker brings Boost's headers to what links it" \
    grep -qE 'INTERFACE_LINK_LIBRARIES "([^"]*;)?Boost::headers[;"]' "$prefix/lib/cmake/daemoniker/daemonikerTargets.cmake"
  runs_as_daemon find_package "$consumer/build/app" the_installed_command_reports_it_running
fi

# The version rules: SameMinorVersion. A project asking for 0.1 accepts any 0.1.z, never 0.2;
# shown on copies of the installation whose package says another version.
probe() {  # probe PREFIX REQUEST: find_package(daemoniker REQUEST CONFIG) finds PREFIX's package
  local dir
  dir=$(mktemp -d "$tmp/probe.XXXXXX")
  printf 'cmake_minimum_required(VERSION 3.25)\nproject(probe LANGUAGES CXX)\nfind_package(daemoniker %s CONFIG REQUIRED)\n' "$2" >"$dir/CMakeLists.txt"
  cmake -S "$dir" -B "$dir/build" -DCMAKE_PREFIX_PATH="$1" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >"$dir/log" 2>&1
}
as_version() {  # as_version VERSION: a copy of the installation whose package says VERSION
  local copy=$tmp/as-$1
  local file=$copy/lib/cmake/daemoniker/daemonikerConfigVersion.cmake
  # The version file holds the version as a literal in several places: change every one.
  cp -r "$prefix" "$copy" && sed -i "s/\"${version//./\\.}\"/\"$1\"/g" "$file" &&
    grep -q "^set(PACKAGE_VERSION \"$1\")$" "$file" && ! grep -qF "\"$version\"" "$file" &&
    echo "$copy"
}
major_minor=${version%.*}
check "find_package(daemoniker $major_minor) accepts $version" probe "$prefix" "$major_minor"
check "find_package(daemoniker $version EXACT) accepts $version" probe "$prefix" "$version EXACT"
IFS=. read -r major minor patch <<<"$version"
later_patch=$major.$minor.$((patch + 7)) next_minor=$major.$((minor + 1)).0
if copy=$(as_version "$later_patch"); then
  check "find_package(daemoniker $major_minor) accepts $later_patch" probe "$copy" "$major_minor"
else
  fail "cannot make a copy of the installation at version $later_patch"
fi
if copy=$(as_version "$next_minor"); then
  check "find_package(daemoniker $major_minor) refuses $next_minor (a 0.x minor release may break the API)" \
    not probe "$copy" "$major_minor"
else
  fail "cannot make a copy of the installation at version $next_minor"
fi
check "find_package(daemoniker $next_minor) refuses $version" not probe "$prefix" "$next_minor"

# 4. pkg-config: the README's command over app.cc.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check "pkg-config --modversion daemoniker is $version" test "$(pkg-config --modversion daemoniker)" = "$version"
cflags=$(pkg-config --cflags daemoniker) libs=$(pkg-config --libs daemoniker)
# The .pc file is relocatable (prefix=${pcfiledir}/../..): compare the directories it names.
names_dir() {  # names_dir FLAG DIR WORDS: one of WORDS is FLAG followed by DIR, resolved
  local flag=$1 dir word
  dir=$(readlink -f "$2")
  for word in $3; do
    [[ $word == "$flag"* && $(readlink -f "${word#"$flag"}") == "$dir" ]] && return 0
  done
  return 1
}
check "pkg-config --cflags gives the include directory ($cflags)" names_dir -I "$prefix/include" "$cflags"
check "pkg-config --cflags leaves -std= to the user ($cflags)" not grep -qF -- "-std=" <<<"$cflags"
check "pkg-config --libs gives the library ($libs)" eval 'names_dir -L "$prefix/lib" "$libs" && grep -qw -- -ldaemoniker <<<"$libs"'
unset PKG_CONFIG_PATH
consumer=$tmp/pkg-config
mkdir -p "$consumer" && cp "$examples/app.cc" "$consumer/"
if timed pkg-config "$consumer" "$examples/pkg-config/build.sh"; then
  runs_as_daemon pkg-config "$consumer/app" the_installed_command_reports_it_running
fi
