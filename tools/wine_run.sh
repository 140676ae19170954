#!/usr/bin/env bash
# Runs a test under Wine: the --run_under wrapper of `bazel test --config=windows` (.bazelrc).
#
#   wine_run.sh PROGRAM [ARGS...]
#
# - Runs PROGRAM with `wine` only if it is a Windows (PE) file, i.e. starts with "MZ"; anything
#   else (an sh_test script, a Linux binary) is exec'd unchanged. `wine script.sh` would run the
#   script as a Unix program and lose its output and exit status: a false PASS.
# - Gives each test its own Wine prefix, so tests run in parallel and under linux-sandbox.
#   The prefix is a copy of a template that is made once (wineboot, ~7 s) and cached in
#   ${TMPDIR:-/tmp}/daemoniker-wine-<uid>/; the copy takes ~0.1 s (small files copied, the ~700 MB
#   of DLLs and NLS files symlinked). Override the cache directory with
#   --test_env=DAEMONIKER_WINE_CACHE=<dir>.
# - Passes Bazel's test paths to the program as Windows paths (Z:\...): XML_OUTPUT_FILE,
#   TEST_TMPDIR, TEST_UNDECLARED_OUTPUTS_DIR, TEST_PREMATURE_EXIT_FILE, TEST_SHARD_STATUS_FILE,
#   GTEST_TMP_DIR. An absolute Unix path is not absolute to a Windows program: GoogleTest would
#   write its XML relative to the working directory.
# - Quiet: WINEDEBUG=-all unless the test environment sets WINEDEBUG (--test_env=WINEDEBUG=...);
#   headless: DISPLAY is unset, console programs need no X server.
# - Ends with `wineserver -k` for the prefix: every Windows process the test started, detached
#   daemons included, is killed, then the prefix is removed. The exit status is the program's.
set -uo pipefail

die() { printf 'wine_run: %s\n' "$*" >&2; exit 1; }

(($# > 0)) || die "usage: wine_run.sh PROGRAM [ARGS...]"
magic=$(head -c 2 -- "$1" 2>/dev/null)
[[ $magic == MZ ]] || exec "$@"

command -v wine >/dev/null 2>&1 || die "wine is not installed; run tools/setup.sh"

export WINEDEBUG=${WINEDEBUG:--all}
# No Mono/Gecko install prompts, no desktop menu entries.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml,winemenubuilder.exe=}
unset DISPLAY WAYLAND_DISPLAY WINEPREFIX WINESERVER

# Z:\ is Wine's drive for the Unix root.
to_windows() { local p=$1; [[ $p == /* ]] && p="Z:${p//\//\\}"; printf '%s' "$p"; }
for var in XML_OUTPUT_FILE TEST_TMPDIR TEST_UNDECLARED_OUTPUTS_DIR TEST_PREMATURE_EXIT_FILE \
  TEST_SHARD_STATUS_FILE GTEST_TMP_DIR; do
  [[ -n ${!var:-} ]] && export "$var=$(to_windows "${!var}")"
done

uid=$(id -u)
cache=${DAEMONIKER_WINE_CACHE:-${TMPDIR:-/tmp}/daemoniker-wine-$uid}
mkdir -p "$cache" || die "cannot create $cache"
# A new Wine (or wine.inf) gets a new template.
key=$(wine --version 2>/dev/null | tr -c 'A-Za-z0-9.\n' '_')-$(stat -c %Y /usr/share/wine/wine.inf 2>/dev/null)
template=$cache/template-$key

# Wine keeps its server socket in a private /tmp/wine-XXXXXX directory named in
# <prefix>/wineserver (a Debian change); it outlives the server, so remove it with the prefix.
stop_wine() {  # PREFIX: kill its processes and server, wait, remove the socket directory
  local prefix=$1 sockdir
  WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1
  WINEPREFIX=$prefix wineserver -w >/dev/null 2>&1
  sockdir=$(cat "$prefix/wineserver" 2>/dev/null)
  if [[ $sockdir =~ ^wine-[A-Za-z0-9]+$ ]]; then
    for dir in "/tmp/$sockdir" "${TMPDIR:-/tmp}/$sockdir"; do
      [[ -d $dir && -O $dir ]] && rm -rf -- "$dir"
    done
  fi
  rm -f -- "$prefix/wineserver"
}

if [[ ! -e $template/.complete ]]; then
  exec 9>"$cache/lock" || die "cannot open $cache/lock"
  flock 9
  if [[ ! -e $template/.complete ]]; then  # nobody made it while we waited
    rm -rf -- "$template"
    if ! WINEPREFIX=$template wineboot --init >"$cache/wineboot.log" 2>&1; then
      stop_wine "$template"
      die "wineboot --init failed for $template; see $cache/wineboot.log"
    fi
    stop_wine "$template"
    touch "$template/.complete"
  fi
  exec 9>&-
fi
# Remove prefixes left by tests that were killed (SIGKILL) long ago.
find "$cache" -mindepth 1 -maxdepth 1 -name 'run.*' -mmin +240 -exec rm -rf {} + 2>/dev/null

# The test's prefix: directories and small files (registry, .ini, ...) copied, since Wine
# writes them through any symlink; large DLL/EXE/NLS files symlinked to the template.
prefix=$(mktemp -d "$cache/run.XXXXXX") || die "cannot create a prefix in $cache"
cleanup() { stop_wine "$prefix"; rm -rf -- "${prefix:?}"; }
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 129' HUP
cp -as "$template/." "$prefix/" || die "cannot copy $template to $prefix"
small=(-type f '(' -size -64k -o -name '*.reg' ')' -print0)
(cd "$template" && find . "${small[@]}") | (cd "$prefix" && xargs -0 -r rm -f --)
(cd "$template" && find . "${small[@]}" | tar --null -T - -cf -) | tar -xf - -C "$prefix" \
  || die "cannot copy the small files of $template to $prefix"
rm -f -- "$prefix/.complete"

# In the background, so that a SIGTERM from Bazel (timeout) runs the trap at once.
WINEPREFIX=$prefix wine "$@" <&0 &
wait $!
status=$?
cleanup
exit "$status"
