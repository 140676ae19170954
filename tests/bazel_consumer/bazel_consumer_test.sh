#!/bin/bash
# The README's Bazel recipe works verbatim for a new workspace, offline, with this machine's Bazel:
#   1. the README shows exactly the files used here (docs/examples/consumers/bazel/; its
#      server.cc block is checked by //tests/docs);
#   2. a workspace made of them, with a `git archive` of this project as third_party/daemoniker,
#      builds //:server in an output root of its own (cold), knowing none of our flags;
#   3. the program daemonizes: exit 0, the pid file holds the daemon's pid, the daemon wrote its
#      marker, is in a new session, and SIGTERM ends it and removes the pid file;
#   4. a consumer cannot reach the fault-injection table of the system-call seam (testonly),
#      nor the seam or any other private header (daemoniker/src/*.hpp);
#   5. without the C++20 line of .bazelrc, the build stops at the one error naming that line.
# Prints the cold build time. Everything it starts is stopped, its Bazel server shut down.
set -u
export LC_ALL=C
fail() { echo "FAIL: $*"; exit 1; }

runfiles=${TEST_SRCDIR:-${RUNFILES_DIR:-$PWD/..}}/${TEST_WORKSPACE:-daemoniker}
files=$runfiles/docs/examples/consumers/bazel
[[ -f $files/consumer.WORKSPACE ]] || fail "no consumer files in $files"
# The project itself: the directory the runfiles point into (a clone in CI).
source_root=$(dirname "$(readlink -f "$runfiles/README.md")")
git -C "$source_root" rev-parse --git-dir >/dev/null 2>&1 ||
  fail "$source_root is not a git clone: this test builds a 'git archive' of it"
bazel=$(command -v bazel) || fail "bazel not found (tools/setup.sh installs bazel-bootstrap)"

work=$(mktemp -d /tmp/bzconsumer.XXXXXX)  # short: Bazel's server socket lives under it
daemon=""
cleanup() {
  [[ -n $daemon ]] && kill -KILL "$daemon" 2>/dev/null
  (cd "$work/app" 2>/dev/null && "$bazel" --output_user_root="$work/root" shutdown) >/dev/null 2>&1
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The README shows these files, each verbatim in a fenced block.
python3 - "$runfiles/README.md" "$files" <<'EOF' || exit 1
import pathlib, sys
readme = pathlib.Path(sys.argv[1]).read_text()
blocks, inside, current = [], False, []
for line in readme.split("\n"):
    if line.startswith("```"):
        if inside:
            blocks.append("\n".join(current).strip("\n"))
        inside, current = not inside, []
    elif inside:
        current.append(line)
for name in ["consumer.WORKSPACE", "consumer.BUILD", "consumer.bazelrc"]:  # server.cc: snippets_test
    text = (pathlib.Path(sys.argv[2]) / name).read_text().strip("\n")
    if not any(text in b for b in blocks):
        sys.exit(f"FAIL: README.md does not show docs/examples/consumers/bazel/{name} verbatim")
print("README shows the three files verbatim")
EOF

# 2. The consumer workspace, and a cold build.
mkdir -p "$work/app/third_party/daemoniker"
git -C "$source_root" archive HEAD | tar -x -C "$work/app/third_party/daemoniker" ||
  fail "git archive of $source_root"
cp "$files/consumer.WORKSPACE" "$work/app/WORKSPACE"
cp "$files/consumer.BUILD" "$work/app/BUILD.bazel"
cp "$files/consumer.bazelrc" "$work/app/.bazelrc"
cp "$files/server.cc" "$work/app/server.cc"
cd "$work/app" || fail "cd $work/app"
b() { "$bazel" --output_user_root="$work/root" "$@"; }
start=$(date +%s.%N)
if ! b build //:server >"$work/build.log" 2>&1; then
  tail -n 30 "$work/build.log"
  fail "the consumer workspace does not build"
fi
echo "cold consumer build (Bazel server start, fetch, library and program): $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

# 3. It daemonizes.
pidfile=$work/server.pid marker=$work/marker
./bazel-bin/server "$pidfile" "$marker"
status=$?
((status == 0)) || fail "the invoking process exited $status"
daemon=$(tr -d '[:space:]' <"$pidfile")
[[ $daemon =~ ^[0-9]+$ ]] || fail "the pid file holds '$daemon'"
kill -0 "$daemon" 2>/dev/null || fail "no process $daemon"
for _ in $(seq 100); do [[ -s $marker ]] && break; sleep 0.05; done
grep -qx 'daemon 100' "$marker" || fail "the daemon wrote '$(cat "$marker" 2>/dev/null)', not 'daemon 100'"
[[ $(ps -o sid= -p "$daemon" | tr -d ' ') != "$(ps -o sid= -p $$ | tr -d ' ')" ]] ||
  fail "the daemon is in the test's session"
kill -TERM "$daemon"
for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.05; done
kill -0 "$daemon" 2>/dev/null && fail "the daemon outlived SIGTERM"
daemon=""
[[ ! -e $pidfile ]] || fail "the pid file outlived the daemon"
echo "the program daemonized, ran and stopped cleanly"

# 4. The fault-injection seam (the mutable table of system calls) is testonly: out of a
#    consumer's reach. So is the seam itself, src/sys.hpp, and every private header (wire.hpp,
#    shared by both components, stands for the others): //daemoniker's users see only
#    include/daemoniker/** (daemoniker/BUILD.bazel: "nothing that depends on //daemoniker can
#    include one"). Bazel 4 passes a `srcs` header on to every dependent's compilation, so
#    //daemoniker links the components through :implementation, which passes on none.
for private in daemoniker/src/sys_faults.hpp daemoniker/src/sys.hpp daemoniker/src/wire.hpp; do
  printf '#include "%s"\nint main() {}\n' "$private" >peek.cc
  cat >BUILD.bazel <<PEEK
$(cat "$files/consumer.BUILD")

cc_binary(
    name = "peek",
    srcs = ["peek.cc"],
    deps = ["@daemoniker//daemoniker"],
)
PEEK
  b build //:peek >"$work/peek.log" 2>&1 && fail "a consumer could include $private"
  grep -q "$private: No such file" "$work/peek.log" ||
    { tail -n 20 "$work/peek.log"; fail "including $private failed, but not for want of the file"; }
done
cp "$files/consumer.BUILD" BUILD.bazel
echo "the system-call seam, its fault-injection table and the private headers are out of a consumer's reach"

# 5. Without C++20: one error that names the fix.
rm .bazelrc
b build //:server >"$work/cxx17.log" 2>&1 && fail "built without -std=c++20"
grep -q 'daemoniker needs C++20: Bazel: build --cxxopt=-std=c++20' "$work/cxx17.log" ||
  { tail -n 20 "$work/cxx17.log"; fail "no C++20 error naming the flag"; }
errors=$(grep -c 'error:' "$work/cxx17.log")
((errors <= 2)) || fail "$errors compiler errors without C++20, not one"
echo "without C++20: one error naming --cxxopt=-std=c++20"
echo "PASS"
