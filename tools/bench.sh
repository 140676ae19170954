#!/usr/bin/env bash
# The benchmark suite and the comparison with peers, in one command (see docs/benchmarks.md):
#
#   bash tools/bench.sh
#
# Installs what it needs (tools/setup.sh, then python3-daemon, python3-lockfile and gnuplot-nox
# from Debian — only what is missing), builds with `bazel build -c opt`, runs
#   - benchmarks/sweep_benchmark at RLIMIT_NOFILE 1024, 4096 and the hard limit (20000 here),
#   - benchmarks/daemonize_benchmark (end to end, per policy, and the floors),
#   - benchmarks/peer_harness: python-daemon, start-stop-daemon, the daemoniker command, the
#     library, and the floors (/bin/true; a minimal double fork in C, also exec'ing /bin/true as
#     the command does; the same program built as C++) as whole processes, at RLIMIT_NOFILE
#     1024 and the hard limit,
#   - benchmarks/stop_latency: from a daemon's exit to `daemoniker stop`'s, and to a pidfd
#     floor's,
#   - compile time, binary size and RSS,
# and writes docs/benchmarks.md and docs/benchmarks/sweep.png. A few minutes; the machine should
# be otherwise idle. Environment: BENCH_RUNS (peer runs, default 200), BENCH_ITERATIONS (sweep
# iterations, default 200), BENCH_E2E_ITERATIONS (default 500), BENCH_STOP_RUNS (default 200),
# BENCH_IDLE_WAIT=M (after building, wait up to M minutes for a 1-minute load average below 1.0,
# looking every minute; default 0: measure at once), BENCH_STOP_BASELINE=PATH (another build of
# the command, e.g. of an older commit: its stop is timed too, labelled with
# BENCH_STOP_BASELINE_LABEL), BENCH_KEEP=1 keeps the raw measurements (their directory is
# printed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'bench.sh: %s\n' "$*"; }
die() { printf 'bench.sh: error: %s\n' "$*" >&2; exit 1; }

runs=${BENCH_RUNS:-200}
iterations=${BENCH_ITERATIONS:-200}
e2e_iterations=${BENCH_E2E_ITERATIONS:-500}
stop_runs=${BENCH_STOP_RUNS:-200}
idle_wait=${BENCH_IDLE_WAIT:-0}
baseline=${BENCH_STOP_BASELINE:-}
baseline_label=${BENCH_STOP_BASELINE_LABEL:-baseline}
[[ -z $baseline || -x $baseline ]] || die "BENCH_STOP_BASELINE=$baseline is not an executable"

# ---- what it needs ------------------------------------------------------------------------
bash tools/setup.sh
packages=(
  python3-daemon    # the peer python-daemon (DaemonContext)
  python3-lockfile  # its pid file (daemon.pidfile.TimeoutPIDLockFile)
  gnuplot-nox       # docs/benchmarks/sweep.png
  strace            # system calls per command (strace -f -c), for the doc's reasons
  linux-perf        # CPU time and page faults per command (perf stat), likewise
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  [[ $(id -u) -eq 0 ]] || die "missing packages: ${missing[*]}; re-run as root"
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }
fi
command -v start-stop-daemon >/dev/null || die "start-stop-daemon not found (package dpkg)"
# Debian's python3, where python3-daemon is installed (not whatever python3 is first on PATH).
py=/usr/bin/python3
"$py" -c 'import daemon.pidfile' || die "$py cannot import python3-daemon"

# ---- build --------------------------------------------------------------------------------
say "bazel build -c opt"
bazel build -c opt //benchmarks/... //daemoniker/cli:daemoniker
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
work=$(mktemp -d /tmp/daemoniker-bench.XXXXXX)
# Private copies: a concurrent `bazel build` cannot replace them while they run.
for t in benchmarks/sweep_benchmark benchmarks/daemonize_benchmark benchmarks/peer_harness \
         benchmarks/stop_latency benchmarks/lib_daemon benchmarks/minimal_daemon \
         benchmarks/minimal_daemon_cxx benchmarks/exit_stamp benchmarks/pidfd_stop \
         benchmarks/footprint_empty benchmarks/footprint_daemon daemoniker/cli/daemoniker; do
  cp "$bin/$t" "$work/"
done
[[ -z $baseline ]] || cp "$baseline" "$work/daemoniker-baseline"
cleanup() { [[ -n ${BENCH_KEEP:-} ]] && say "raw measurements kept in $work" || rm -rf "$work"; }
trap cleanup EXIT
data=$work/data
mkdir -p "$data"

# ---- the machine --------------------------------------------------------------------------
# An idle machine, if asked to wait for one (other builds, CI): the 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }
waited=0
while ((waited < idle_wait)) && awk -v l="$(load1)" 'BEGIN { exit !(l >= 1.0) }'; do
  say "load average $(load1) (waited $waited of $idle_wait min for < 1.0)"
  sleep 60
  waited=$((waited + 1))
done
idle=$(awk -v l="$(load1)" 'BEGIN { print (l < 1.0 ? "yes" : "no") }')
((idle_wait == 0)) || say "load average $(load1) after $waited min: measuring"
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "kernel=$(uname -r)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores=$(nproc)"
  echo "compiler=$(g++ --version | head -n1)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "idle_wait=$idle_wait"
  echo "idle_waited=$waited"
  echo "idle_reached=$idle"
  echo "nofile_hard=$hard"
  echo "processes=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)"
  echo "nofile_soft=$(ulimit -Sn)"
  echo "benchmark=libbenchmark $(dpkg-query -W -f='${Version}' libbenchmark-dev)"
  echo "python_daemon=$(dpkg-query -W -f='${Version}' python3-daemon)"
  echo "peer_runs=$runs"
  echo "sweep_iterations=$iterations"
  echo "e2e_iterations=$e2e_iterations"
  echo "stop_runs=$stop_runs"
  echo "stop_baseline=${baseline:+$baseline_label}"
} >"$data/machine.txt"

# ---- Google Benchmark suites -------------------------------------------------------------
limits=()
for l in 1024 4096 "$hard"; do ((l <= hard)) && [[ ! " ${limits[*]} " =~ " $l " ]] && limits+=("$l"); done
for l in 65536 1048576; do ((l > hard)) && say "RLIMIT_NOFILE $l is above the hard limit ($hard): not measured, extrapolated"; done
for l in "${limits[@]}"; do
  say "sweep_benchmark --rlimit=$l"
  "$work/sweep_benchmark" --rlimit="$l" --iterations="$iterations" \
    --benchmark_format=json >"$data/sweep-$l.json"
done
say "daemonize_benchmark"
"$work/daemonize_benchmark" --iterations="$e2e_iterations" \
  --benchmark_format=json >"$data/daemonize.json"

# ---- peers, as whole processes -----------------------------------------------------------
say "peer_harness: $runs runs of each peer at RLIMIT_NOFILE 1024 and $hard"
"$work/peer_harness" --runs="$runs" --pidfile="$work/peer.pid" --rlimits="1024,$hard" \
  "exec /bin/true (no daemon)" /bin/true :: \
  "daemoniker --version (no daemon)" "$work/daemoniker" --version :: \
  "minimal double fork (C)" "$work/minimal_daemon" {pidfile} :: \
  "minimal double fork (C++)" "$work/minimal_daemon_cxx" {pidfile} :: \
  "minimal double fork + exec /bin/true (C)" "$work/minimal_daemon" {pidfile} /bin/true :: \
  "daemoniker (library)" "$work/lib_daemon" {pidfile} :: \
  "daemoniker start (CLI)" "$work/daemoniker" start --pidfile {pidfile} -- /bin/true :: \
  "start-stop-daemon" start-stop-daemon --start --background --make-pidfile \
      --pidfile {pidfile} --exec /bin/true :: \
  "python-daemon" "$py" "$PWD/benchmarks/peers/python_daemon.py" {pidfile} \
  >"$data/peers.tsv"

# What each run costs beyond time, at RLIMIT_NOFILE 1024, every process of the run counted: its
# system calls (strace -f -c, one run: the total, and rt_sigaction), and its CPU time, page
# faults and context switches (perf stat over peer_harness running it 100 times, which waits
# for the daemon too; divided by 100, the harness's own share included). Lines: name syscalls
# rt_sigaction cpu_ms page_faults context_switches. "{pidfile}" as for peer_harness.
costs() {
  local name=$1; shift
  rm -f "$work/peer.pid"
  (ulimit -n 1024 && strace -f -c -o "$work/strace.txt" "${@//\{pidfile\}/$work/peer.pid}" >/dev/null)
  perf stat -x, -o "$work/perf.txt" -e task-clock,page-faults,context-switches \
    "$work/peer_harness" --runs=100 --warmup=0 --pidfile="$work/peer.pid" --rlimits=1024 \
    "$name" "$@" >/dev/null
  local calls perf
  calls=$(awk '$NF == "total" { t = $4 } $NF == "rt_sigaction" { s = $4 }
               END { printf "%d\t%d", t, s }' "$work/strace.txt")
  perf=$(awk -F, '$3 == "task-clock" { c = $1 } $3 == "page-faults" { f = $1 }
                  $3 == "context-switches" { s = $1 }
                  END { printf "%.3f\t%.1f\t%.1f", c / 100, f / 100, s / 100 }' "$work/perf.txt")
  printf '%s\t%s\t%s\n' "$name" "$calls" "$perf"
}
say "system calls, CPU time and page faults of the command, its floor and start-stop-daemon"
{
  costs "daemoniker start (CLI)" "$work/daemoniker" start --pidfile {pidfile} -- /bin/true
  costs "minimal double fork + exec /bin/true (C)" "$work/minimal_daemon" {pidfile} /bin/true
  costs "start-stop-daemon" start-stop-daemon --start --background --make-pidfile \
    --pidfile {pidfile} --exec /bin/true
  costs "daemoniker --version (no daemon)" "$work/daemoniker" --version
  costs "exec /bin/true (no daemon)" /bin/true
} >"$data/costs.tsv"
rm -f "$work/peer.pid"

# ---- stop latency ------------------------------------------------------------------------
say "stop_latency: $stop_runs runs of each stopper"
stoppers=("daemoniker stop" "$work/daemoniker" stop --pidfile {pidfile})
[[ -z $baseline ]] ||
  stoppers+=(:: "daemoniker stop ($baseline_label)" "$work/daemoniker-baseline" stop --pidfile {pidfile})
stoppers+=(:: "floor: pidfd_open + poll (C)" "$work/pidfd_stop" {pidfile})
"$work/stop_latency" --runs="$stop_runs" --pidfile="$work/stop.pid" --stamp="$work/stop.stamp" \
  "$work/daemoniker" start --pidfile {pidfile} -- "$work/exit_stamp" {stamp} :: \
  "${stoppers[@]}" >"$data/stop.tsv"

# ---- size, memory, compile time -----------------------------------------------------------
say "binary size, RSS, compile time"
for p in footprint_empty footprint_daemon; do strip -o "$work/$p.stripped" "$work/$p"; done
read -r _ empty_rss _ empty_hwm < <("$work/footprint_empty")
read -r _ inv_rss _ inv_hwm < <("$work/footprint_daemon" "$work/fp.pid" "$work/fp.out")
for _ in $(seq 50); do [[ -s $work/fp.out && ! -e $work/fp.pid ]] && break; sleep 0.1; done
read -r _ daemon_rss _ daemon_hwm <"$work/fp.out"
{
  echo "empty_size=$(stat -c %s "$work/footprint_empty.stripped")"
  echo "daemon_size=$(stat -c %s "$work/footprint_daemon.stripped")"
  echo "empty_rss_kb=$empty_rss"
  echo "empty_hwm_kb=$empty_hwm"
  echo "daemon_rss_kb=$daemon_rss"
  echo "daemon_hwm_kb=$daemon_hwm"
  echo "invoker_rss_kb=$inv_rss"
  echo "invoker_hwm_kb=$inv_hwm"
} >"$data/footprint.txt"
"$py" benchmarks/report.py compile "$data/compile.json" daemoniker/include \
  $(find daemoniker/include/daemoniker -name '*.hpp')

echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$data/machine.txt"

# ---- the document and the plot -------------------------------------------------------------
mkdir -p docs/benchmarks
"$py" benchmarks/report.py render "$data" docs/benchmarks.md "$data/sweep.dat" "$data/extra.dat"
gnuplot <<EOF
set terminal pngcairo size 1200,560 font "DejaVu Sans,10" noenhanced
set output "docs/benchmarks/sweep.png"
set multiplot layout 1,2 title "fd sweep cost against RLIMIT_NOFILE ($(nproc) cores, Linux $(uname -r)); median of $iterations sweeps, each in a forked child"
set logscale xy
set xrange [700:1500000]
set yrange [0.1:200000]
set xtics ("1024" 1024, "4096" 4096, "20000" 20000, "65536" 65536, "1048576" 1048576)
set format y "%g"
set xlabel "RLIMIT_NOFILE (soft = hard)"
set ylabel "sweep time (µs, log)"
set grid
set key bottom right opaque box
set style line 1 lc rgb "#999999" lw 2 pt 7
set style line 2 lc rgb "#1f77b4" lw 2 pt 5
set style line 3 lc rgb "#2ca02c" lw 2 pt 9
set style line 4 lc rgb "#d62728" lw 2 pt 11
set style line 5 lc rgb "#ff7f0e" lw 3 pt 13
set style line 6 lc rgb "#000000" lw 1 pt 2 dt 3
do for [panel=0:1] {
  set title (panel == 0 ? "3 fds open (0, 1, 2)" : "1000 fds open (packed from 3)")
  c = 2 + panel * 6
  plot "$data/sweep.dat" using 1:c+1 with linespoints ls 2 title "close_range_sweep", \
       "" using 1:c+2 with linespoints ls 3 title "proc_fd_sweep", \
       "" using 1:c+3 with linespoints ls 4 title "brute_force_sweep", \
       "" using 1:c+4 with linespoints ls 5 title "auto_sweep (default)", \
       "" using 1:c+5 with linespoints ls 6 title "floor: bare close_range", \
       "$data/extra.dat" using 1:2 with lines ls 4 dt 2 title "brute force, extrapolated (limits not allowed here)"
}
unset multiplot
EOF
say "wrote docs/benchmarks.md and docs/benchmarks/sweep.png"
