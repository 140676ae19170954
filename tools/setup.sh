#!/usr/bin/env bash
# Installs everything needed to build and test this project on a fresh
# Debian 12 (bookworm) machine. Run as root. Idempotent: when every package
# is already installed it only checks and exits (no apt-get update).
#
#   bash tools/setup.sh
set -euo pipefail

# Debian packages, and why:
packages=(
  bazel-bootstrap     # Bazel 4.2.3 (WORKSPACE mode); pulls in build-essential, a JDK
  g++                 # C++20 compiler (GCC 12); explicit, not only via bazel-bootstrap
  libboost1.81-dev    # Boost.Hana + Boost.PFR headers   -> //third_party:boost
  libgtest-dev        # GoogleTest static libs + headers -> //third_party:gtest*
  libgmock-dev        # GoogleMock (separate package in bookworm)
  googletest          # GoogleTest sources, built for Windows -> @gtest_src
  libcli11-dev        # CLI11 (header-only): the daemoniker command's parser -> //third_party:cli11
  libbenchmark-dev    # Google Benchmark                 -> //third_party:benchmark*
  python3             # tools/count_results.py (stdlib only)
  cmake               # the CMake build (CMakeLists.txt), checked by //tests/build_files, //tests/consumers
  pkg-config          # //tests/consumers: the pkg-config route of the README
  procps              # ps/pkill, used by tests that start daemons
  util-linux          # setsid, flock, ...
  man-db              # man: //tests/cli:man_test formats daemoniker.1 with man --warnings
  groff-base          # groff, which man runs; the test also checks with groff -ww
  # Reliability checks (docs/reliability.md):
  clang               # clang++ 14: builds the libFuzzer target (tools/fuzz.sh, //tests/fuzz)
  libclang-rt-14-dev  # clang's runtimes: libFuzzer, ASan, UBSan for clang++ -fsanitize=fuzzer,...
  clang-tidy          # tools/tidy.sh, with the committed .clang-tidy
  # Windows build and tests (bazel test --config=windows //..., run by tools/test.sh):
  g++-mingw-w64-x86-64-posix  # mingw-w64 cross compiler (GCC 12) -> //toolchains/mingw
  wine                # runs the Windows tests (tools/wine_run.sh); headless, no X needed
  wine64              # 64-bit Wine loader; there is no i386 multiarch, so no wine32
  # Real supervisors and tools the command is tested against (tests/supervisors, tests/systemd):
  runit               # runsv, sv
  s6                  # s6-supervise, s6-svc, s6-svwait
  daemontools         # supervise, svc
  tini                # a container init (issue: containers)
  dumb-init           # another container init
  catatonit           # podman's container init
  socat               # talks to sockets in tests
  systemd-container   # systemd-nspawn: boots systemd as PID 1 in a container
  debootstrap         # builds that container's root file system (tools/nspawn_root.sh)
)

say() { printf 'setup.sh: %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  die "needs a Debian-based system with dpkg and apt-get (Debian 12 expected)."
fi

missing=()
# npm fetches buildifier (below): Debian has none, the npm registry the real one. Debian's npm
# package brings nodejs; a machine that has node and npm from elsewhere keeps them (Debian's npm
# conflicts with other nodejs packages).
command -v npm >/dev/null 2>&1 || packages+=(npm)

for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  say "all ${#packages[@]} required packages are installed."
else
  [[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]}; re-run as root (e.g. sudo bash tools/setup.sh)."
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  say "apt-get update"
  apt-get update -q
  say "apt-get install"
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Sanity: tools on PATH.
for tool in bazel g++ python3 cmake pkg-config x86_64-w64-mingw32-g++-posix wine wineserver; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found on PATH after installation."
done
say "ready: bazel-bootstrap $(dpkg-query -W -f='${Version}' bazel-bootstrap), $(g++ --version | head -n1)"

# buildifier, the Bazel files' linter (tools/buildifier.sh): the npm registry's @bazel/buildifier
# ships Google's own binary. Pinned, cached outside the checkout; nothing to do when it is there.
buildifier_version=8.2.1
buildifier_dir=/var/cache/daemoniker/buildifier-$buildifier_version
if [[ ! -x $buildifier_dir/node_modules/.bin/buildifier ]]; then
  say "npm install @bazel/buildifier@$buildifier_version"
  mkdir -p "$buildifier_dir"
  npm install --prefix "$buildifier_dir" --no-audit --no-fund --silent \
    "@bazel/buildifier@$buildifier_version" || die "cannot install buildifier from the npm registry."
fi
"$buildifier_dir/node_modules/.bin/buildifier" --version | grep -q "version: $buildifier_version" ||
  die "$buildifier_dir holds no working buildifier $buildifier_version."

# The root file system systemd-nspawn boots for //tests/systemd (real systemd as PID 1): built
# once from Debian's mirror with debootstrap, cached in /var/cache/daemoniker (outside the
# checkout); instant when it is there.
root=$(bash "$(dirname "${BASH_SOURCE[0]}")/nspawn_root.sh") || die "cannot build the systemd-nspawn root file system (see above)."
say "systemd-nspawn root: $root"
