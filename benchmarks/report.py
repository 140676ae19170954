#!/usr/bin/env python3
"""Measures compile time, then turns every measurement of tools/bench.sh into docs/benchmarks.md
and the data of docs/benchmarks/sweep.png. Standard library only.

    report.py compile OUT.json INCLUDE_DIR HEADER...   time g++ -fsyntax-only (5 runs each)
    report.py render DIR DOC_MD PLOT_DAT PLOT_EXTRAPOLATED_DAT

DIR holds what tools/bench.sh measured: sweep-<limit>.json and daemonize.json (Google Benchmark
JSON), peers.tsv (benchmarks/peer_harness), footprint.txt and machine.txt (key=value lines) and
compile.json (from `report.py compile`).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

LIMITS_NOT_ALLOWED = (65536, 1048576)


# ---- compile time -------------------------------------------------------------------------

def measure_compile(out_path, include_dir, headers):
    """-fsyntax-only of: an empty file, the standard headers the public headers include,
    <filesystem> alone, and the umbrella header. 5 runs each, interleaved."""
    std = sorted({h for h in headers_included(headers)
                  if not h.startswith(("daemoniker/", "boost/")) and "/" not in h
                  and not h.endswith(".h")})
    sources = {
        "empty": "",
        "std_headers": "".join(f"#include <{h}>\n" for h in std),
        "filesystem": "#include <filesystem>\n",
        "umbrella": "#include <daemoniker/daemoniker.hpp>\n",
    }
    times = {name: [] for name in sources}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in sources.items():
            with open(os.path.join(tmp, name + ".cc"), "w") as f:
                f.write(text)
        for _ in range(5):
            for name in sources:
                cmd = ["g++", "-std=c++20", "-fsyntax-only", "-I", include_dir,
                       os.path.join(tmp, name + ".cc")]
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True)
                times[name].append(time.perf_counter() - t0)
    with open(out_path, "w") as f:
        json.dump({"times": times, "std_headers": std}, f, indent=1)


def headers_included(paths):
    for p in paths:
        with open(p) as f:
            for line in f:
                m = re.match(r"\s*#\s*include\s*<([^>]+)>", line)
                if m:
                    yield m.group(1)


# ---- reading measurements -------------------------------------------------------------------

def read_kv(path):
    kv = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                kv[k] = v
    return kv


def read_benchmark_json(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            out[b["run_name"]] = None
            continue
        name = re.sub(r"/(iterations:\d+|manual_time|real_time)", "", b["run_name"])
        out[name] = {k: b[k] for k in ("median_us", "min_us", "max_us", "p25_us", "p75_us")
                     if k in b}
    return out


def read_sweeps(directory):
    """{(policy, limit, open, packed): stats}"""
    sweeps = {}
    for name in sorted(os.listdir(directory)):
        m = re.fullmatch(r"sweep-(\d+)\.json", name)
        if not m:
            continue
        for run, stats in read_benchmark_json(os.path.join(directory, name)).items():
            r = re.match(r"sweep/(\w+)/rlimit:(\d+)/open:(\d+)/packed:(\d)", run)
            if r:
                sweeps[(r.group(1), int(r.group(2)), int(r.group(3)), r.group(4) == "1")] = stats
    return sweeps


def read_peers(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) != 10:
                continue
            num = [None if x == "-" else int(x) for x in p[4:]]
            rows.append({"name": p[0], "rlimit": int(p[1]), "runs": int(p[2]),
                         "failures": int(p[3]), "all": num[0:3], "invoker": num[3:6]})
    return rows


# ---- formatting -----------------------------------------------------------------------------

def us(x):
    """A time given in microseconds, in a readable unit."""
    if x is None:
        return "–"
    if x >= 1000:
        return f"{x / 1000:.2f} ms"
    if x >= 10:
        return f"{x:.0f} µs"
    return f"{x:.2f} µs"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def verdict(ok):
    return "**met**" if ok else "**missed**"


POLICIES = ["no_sweep", "close_range_sweep", "proc_fd_sweep", "brute_force_sweep",
            "auto_sweep", "bare_close_range"]
OPEN = [3, 100, 1000, 10000]


def sweep_table(sweeps, limits, packed):
    head = "| policy | RLIMIT_NOFILE | " + " | ".join(f"{n} open" for n in OPEN) + " |"
    lines = [head, "|---|---|" + "---|" * len(OPEN)]
    for policy in POLICIES:
        for limit in limits:
            cells = []
            for n in OPEN:
                s = sweeps.get((policy, limit, n, packed))
                if n >= limit:
                    cells.append("n/a")
                elif not s:
                    cells.append("failed")
                else:
                    cells.append(f"{us(s['median_us'])} <sub>{us(s['min_us'])}–{us(s['max_us'])}</sub>")
            name = f"`{policy}`" if policy != "bare_close_range" else "floor: `close_range(3, ~0U)`"
            lines.append(f"| {name} | {limit} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def median_of(sweeps, policy, limit, n, packed):
    s = sweeps.get((policy, limit, n, packed))
    return s["median_us"] if s else None


def render(directory, doc_path, plot_dat, plot_extra):
    machine = read_kv(os.path.join(directory, "machine.txt"))
    foot = read_kv(os.path.join(directory, "footprint.txt"))
    sweeps = read_sweeps(directory)
    e2e = read_benchmark_json(os.path.join(directory, "daemonize.json"))
    peers = read_peers(os.path.join(directory, "peers.tsv"))
    with open(os.path.join(directory, "compile.json")) as f:
        comp = json.load(f)
    limits = sorted({k[1] for k in sweeps})
    lo, hi = limits[0], limits[-1]

    # -- the plot's data: sweep median (µs) against the limit, 3 and 1000 fds open (packed).
    with open(plot_dat, "w") as f:
        f.write("# rlimit " + " ".join(f"{p}@{n}" for n in (3, 1000) for p in POLICIES) + "\n")
        for limit in limits:
            vals = []
            for n in (3, 1000):
                for p in POLICIES:
                    v = median_of(sweeps, p, limit, n, True)
                    vals.append("NaN" if v is None else f"{v:.3f}")
            f.write(f"{limit} " + " ".join(vals) + "\n")
    # Brute force, extrapolated linearly from the measured limits (3 open fds, packed).
    bf = [(l, median_of(sweeps, "brute_force_sweep", l, 3, True)) for l in limits]
    bf = [(l, v) for l, v in bf if v is not None]
    slope = intercept = None
    if len(bf) >= 2:
        xs, ys = [l for l, _ in bf], [v for _, v in bf]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        intercept = my - slope * mx
    with open(plot_extra, "w") as f:
        f.write("# rlimit brute_force_sweep@3 (extrapolated linearly)\n")
        if slope is not None:
            for l in [hi] + list(LIMITS_NOT_ALLOWED):
                f.write(f"{l} {intercept + slope * l:.3f}\n")

    # -- targets
    targets = []
    auto_lo = median_of(sweeps, "auto_sweep", lo, 3, True)
    auto_hi = median_of(sweeps, "auto_sweep", hi, 3, True)
    bare_hi = median_of(sweeps, "bare_close_range", hi, 3, True)
    auto_hi_1000 = median_of(sweeps, "auto_sweep", hi, 1000, True)
    auto_lo_1000 = median_of(sweeps, "auto_sweep", lo, 1000, True)
    bare_hi_1000 = median_of(sweeps, "bare_close_range", hi, 1000, True)
    def same_within_noise(n):
        # Noise: the larger interquartile range of the two runs, or 10% of the median.
        a = sweeps.get(("auto_sweep", lo, n, True))
        b = sweeps.get(("auto_sweep", hi, n, True))
        if not a or not b:
            return False
        iqr = max(x.get("p75_us", x["median_us"]) - x.get("p25_us", x["median_us"]) for x in (a, b))
        return abs(b["median_us"] - a["median_us"]) <= max(iqr, 0.10 * a["median_us"])

    within_noise = same_within_noise(3) and same_within_noise(1000)
    targets.append((
        f"auto sweep costs no more at RLIMIT_NOFILE {hi} than at {lo} (within noise: the medians "
        f"differ by less than the larger interquartile range, or 10%)",
        f"3 fds open: {us(auto_hi)} vs {us(auto_lo)}; 1000 fds open: {us(auto_hi_1000)} vs "
        f"{us(auto_lo_1000)} (the same fds, packed from 3). Scattered up to the limit instead, "
        f"the highest open fd moves with the limit and so does the cost — see the sweep tables",
        within_noise))
    worst = max((a / b for a, b in ((auto_hi, bare_hi), (auto_hi_1000, bare_hi_1000)) if a and b),
                default=None)
    targets.append((
        f"auto sweep within 1.5× of a bare `close_range` at RLIMIT_NOFILE {hi}",
        f"3 fds open: {ratio(auto_hi, bare_hi)}; 1000 open: {ratio(auto_hi_1000, bare_hi_1000)}",
        worst is not None and worst <= 1.5))

    def e2e_median(name):
        s = e2e.get(name)
        return s["median_us"] if s else None

    d_default, d_floor = e2e_median("daemonize/default"), e2e_median("floor/minimal_double_fork")
    by = {(r["name"], r["rlimit"]): r for r in peers}

    def peer_median(name, limit):
        r = by.get((name, limit))
        return r["all"][0] if r and r["all"][0] is not None else None

    def peer_min(name, limit):
        r = by.get((name, limit))
        return r["all"][1] if r and r["all"][1] is not None else None

    peer_limits = sorted({r["rlimit"] for r in peers})
    plo, phi = peer_limits[0], peer_limits[-1]
    lib_lo, min_lo = peer_median("daemoniker (library)", plo), peer_median("minimal double fork", plo)
    lib_hi, min_hi = peer_median("daemoniker (library)", phi), peer_median("minimal double fork", phi)
    whole_ok = all(a and b and a / b <= 1.2 for a, b in ((lib_lo, min_lo), (lib_hi, min_hi)))
    targets.append((
        "default daemonization within 1.2× of the minimal floor, as whole processes",
        f"library program vs minimal program, until every process exited: {ratio(lib_lo, min_lo)} at "
        f"{plo}, {ratio(lib_hi, min_hi)} at {phi} (fastest runs: "
        f"{ratio(peer_min('daemoniker (library)', plo), peer_min('minimal double fork', plo))}, "
        f"{ratio(peer_min('daemoniker (library)', phi), peer_min('minimal double fork', phi))}; "
        f"the minimal program's daemon outlives its invoking process, whose exit it then competes "
        f"with for the 2 cores, which inflates its median)",
        whole_ok))
    targets.append((
        "… and in-process, the daemonization step alone (Google Benchmark)",
        f"`daemonize/default` {us(d_default)} vs `floor/minimal_double_fork` {us(d_floor)}: "
        f"{ratio(d_default, d_floor)}",
        bool(d_default and d_floor and d_default / d_floor <= 1.2)))
    py_lo = peer_median("python-daemon", plo)
    cli_lo = peer_median("daemoniker start (CLI)", plo)
    ssd_hi = peer_median("start-stop-daemon", phi)
    cli_hi = peer_median("daemoniker start (CLI)", phi)
    targets.append((
        f"≥ 15× faster than python-daemon at RLIMIT_NOFILE {plo}",
        f"library: {ratio(py_lo, lib_lo)}, CLI: {ratio(py_lo, cli_lo)}",
        bool(py_lo and lib_lo and cli_lo and py_lo / lib_lo >= 15 and py_lo / cli_lo >= 15)))
    targets.append((
        f"≥ 3× faster than start-stop-daemon at RLIMIT_NOFILE {phi}",
        f"library: {ratio(ssd_hi, lib_hi)}, CLI: {ratio(ssd_hi, cli_hi)}",
        bool(ssd_hi and lib_hi and cli_hi and ssd_hi / lib_hi >= 3 and ssd_hi / cli_hi >= 3)))
    empty_rss = int(foot["empty_rss_kb"])
    daemon_rss = int(foot["daemon_rss_kb"])
    inv_hwm = int(foot["invoker_hwm_kb"])
    targets.append((
        "a daemonized minimal program's RSS within 10% of an empty C++ program's",
        f"the daemon {daemon_rss} kB, the empty program {empty_rss} kB "
        f"({ratio(daemon_rss, empty_rss)}); but the invoking process, which runs the same "
        f"program before forking, peaks at {inv_hwm} kB ({ratio(inv_hwm, empty_rss)})",
        daemon_rss <= 1.10 * empty_rss))
    t = comp["times"]
    umb = statistics.median(t["umbrella"])
    targets.append((
        "including the umbrella header costs < 0.5 s of `g++ -fsyntax-only`",
        f"{umb:.2f} s (median of 5; best {min(t['umbrella']):.2f} s)",
        umb < 0.5))

    # -- the document
    L = []
    w = L.append
    w("# Benchmarks\n")
    w("```sh\nbash tools/bench.sh\n```\n")
    w("One command installs what it needs (Debian packages: python3-daemon, python3-lockfile, "
      "gnuplot-nox; only what is missing), builds with `bazel build -c opt`, runs every "
      "measurement below and writes this file and [the plot](benchmarks/sweep.png). It takes a "
      "few minutes. Everything measured lives in `benchmarks/` (tagged `benchmark`: `bazel test "
      "//...` builds it but never runs it, and no test asserts a time). One suite alone: "
      "`bazel run -c opt //benchmarks:daemonize_benchmark`, "
      "`bazel run -c opt //benchmarks:sweep_benchmark -- --rlimit=1024`.\n")
    w("## The machine\n")
    w(f"{machine['date']}: {machine['cpu']}, {machine['cores']} cores, Linux {machine['kernel']}, "
      f"{machine['compiler']}, `-c opt`. Load average when the run started: {machine['load']} "
      f"(other work on the machine shows up in the max columns). RLIMIT_NOFILE hard limit "
      f"{machine['nofile_hard']}; raising it needs CAP_SYS_RESOURCE, which this machine's root "
      f"lacks, so RLIMIT_NOFILE {' and '.join(str(x) for x in LIMITS_NOT_ALLOWED)} are not "
      f"allowed here: they are not measured, and the brute-force loop is extrapolated to them "
      f"(labelled as such). Google Benchmark is Debian's {machine['benchmark']} (which reports "
      f"\"Library was built as DEBUG\": that is its own code, not what it times).\n")
    w("Times are medians, with the fastest and slowest run (min–max) beside them; ratios are "
      "of medians.\n")

    w("## Targets (issue 8)\n")
    w("| target | measured | |\n|---|---|---|")
    for name, measured, ok in targets:
        w(f"| {name} | {measured} | {verdict(ok)} |")
    w("")
    w(WHY.format(**{
        "default": us(d_default), "floor": us(d_floor), "e2e_ratio": ratio(d_default, d_floor),
        "nullall": us(e2e_median("daemonize/all_null_policies")),
        "exec": us(peer_median("exec /bin/true (no daemon)", plo)),
        "lib_lo": us(lib_lo), "py_lo": us(py_lo),
        "py_net": ratio((py_lo or 0) - (peer_median("exec /bin/true (no daemon)", plo) or 0),
                        (lib_lo or 0) - (peer_median("exec /bin/true (no daemon)", plo) or 0)),
        "ssd_lo": us(peer_median("start-stop-daemon", plo)), "ssd_hi": us(ssd_hi),
        "lib_hi": us(lib_hi), "min_hi": us(min_hi),
        "py_ratio": ratio(py_lo, lib_lo), "ssd_ratio": ratio(ssd_hi, lib_hi),
        "umb": f"{umb:.2f} s", "std": f"{statistics.median(t['std_headers']):.2f} s",
        "fs": f"{statistics.median(t['filesystem']):.2f} s",
        "empty": f"{statistics.median(t['empty']):.2f} s",
        "own": f"{umb - statistics.median(t['std_headers']):.2f} s",
        "inv_hwm": inv_hwm, "empty_rss": empty_rss, "daemon_rss": daemon_rss,
    }))

    w("## Daemonization, end to end (in one process)\n")
    w("`benchmarks/daemonize_benchmark.cc`, Google Benchmark, "
      f"{machine['e2e_iterations']} iterations each. From `fork()` of an invoking process to its "
      "exit with status 0 — which happens only after the daemon confirmed (the daemon then exits; "
      "it is reaped, and the pid file removed, outside the timed region). Each variant swaps one "
      "policy for its null model or another FdPolicy, so the difference is that step's cost. "
      "RLIMIT_NOFILE is the machine's, "
      f"{machine['nofile_soft']}; 0, 1 and 2 are the only fds open.\n")
    w("| variant | median | min | max | vs default | vs minimal floor |\n|---|---|---|---|---|---|")
    labels = [
        ("daemonize/default", "`daemonizer` (default: locked pid file, stdio to /dev/null, `auto_sweep`)"),
        ("daemonize/no_pid_file", "`daemonizer_with<no_pid_file>`"),
        ("daemonize/inherit_stdio", "`daemonizer_with<inherit_stdio>`"),
        ("daemonize/no_sweep", "`daemonizer_with<no_sweep>`"),
        ("daemonize/close_range_sweep", "`daemonizer_with<close_range_sweep>`"),
        ("daemonize/proc_fd_sweep", "`daemonizer_with<proc_fd_sweep>`"),
        ("daemonize/brute_force_sweep", "`daemonizer_with<brute_force_sweep>`"),
        ("daemonize/all_null_policies", "all three null models (double fork, session, signal reset, error channel)"),
        ("floor/fork_wait", "floor: `fork` + `waitpid`"),
        ("floor/minimal_double_fork", "floor: minimal double fork + `setsid` + `close_range` + locked pid file + pipe handshake"),
    ]
    for key, label in labels:
        s = e2e.get(key)
        if not s:
            w(f"| {label} | failed | | | | |")
            continue
        w(f"| {label} | **{us(s['median_us'])}** | {us(s['min_us'])} | {us(s['max_us'])} | "
          f"{ratio(s['median_us'], d_default)} | {ratio(s['median_us'], d_floor)} |")
    w("\nThe brute-force row pays for every possible fd up to the hard limit "
      f"({machine['nofile_hard']}); `auto_sweep` picks `close_range` here.\n")

    w("## Against peers, as whole processes\n")
    w(f"`benchmarks/peer_harness.cc`, {machine['peer_runs']} runs of each peer at each limit, the "
      "peers taking turns within each round. Each run is one command started by a child subreaper "
      "(`PR_SET_CHILD_SUBREAPER`) with RLIMIT_NOFILE set (soft and hard), only fds 0–2 open and "
      "no pid file present; **total** is from the fork until *every* process of the run has "
      "exited (the daemon included: it exits at once), so a tool whose invoking process exits "
      "before its daemon is up gains nothing; **invoker** is when the command itself exited. "
      "Each writes the same pid file:\n")
    w("- `exec /bin/true`: no daemon at all — the cost of starting a process (fork + exec + "
      "dynamic loading).")
    w("- minimal double fork: `benchmarks/peers/minimal_daemon.cc`, the floor as a C programmer "
      "would write it (double fork, `setsid`, `close_range`, locked pid file, pipe handshake, no "
      "checks, no signal reset, no error channel).")
    w("- daemoniker (library): `benchmarks/peers/lib_daemon.cc`, `daemonize(pidfile, {})` with every "
      "default, then return from `main` (which removes the pid file).")
    w("- daemoniker start (CLI): `daemoniker start --pidfile P -- /bin/true`.")
    w("- start-stop-daemon: `start-stop-daemon --start --background --make-pidfile --pidfile P "
      "--exec /bin/true` (Debian's, from dpkg).")
    w("- python-daemon: `benchmarks/peers/python_daemon.py`, Debian's python3-daemon "
      f"{machine['python_daemon']}: `DaemonContext(pidfile=TimeoutPIDLockFile(P))`, the daemon "
      "leaves the context at once (which removes the pid file).\n")
    order = ["exec /bin/true (no daemon)", "minimal double fork", "daemoniker (library)",
             "daemoniker start (CLI)", "start-stop-daemon", "python-daemon"]
    for limit in peer_limits:
        w(f"### RLIMIT_NOFILE {limit}\n")
        w("| peer | total: median | min | max | invoker: median | vs library | vs CLI | failed runs |")
        w("|---|---|---|---|---|---|---|---|")
        for name in order:
            r = by.get((name, limit))
            if not r:
                continue
            a, i = r["all"], r["invoker"]
            w(f"| {name} | **{us(a[0])}** | {us(a[1])} | {us(a[2])} | {us(i[0])} | "
              f"{ratio(a[0], peer_median('daemoniker (library)', limit))} | "
              f"{ratio(a[0], peer_median('daemoniker start (CLI)', limit))} | {r['failures']} |")
        w("")

    w("## Fd sweeps\n")
    w("`benchmarks/sweep_benchmark.cc`, Google Benchmark, one run per RLIMIT_NOFILE (set soft and "
      f"hard), {machine['sweep_iterations']} iterations each. Each iteration forks a child that "
      "runs one sweep; the child times the sweep alone (not the fork) after touching its code and "
      "stack pages, whose first touch after `fork()` costs a page fault that has nothing to do "
      "with the sweep. N fds are open (0–2 included), every 97th of them shielded "
      "(`plan::shield`). The floor is one `close_range(3, ~0U, 0)` shielding nothing. Cells: "
      "median <sub>min–max</sub>.\n")
    w(f"![sweep cost against RLIMIT_NOFILE](benchmarks/sweep.png)\n")
    w("### The same fds whatever the limit (packed from 3)\n")
    w("Any difference between two limits here is the limit's own cost.\n")
    w(sweep_table(sweeps, limits, True))
    w("\n### Scattered up to the limit\n")
    w("The worst case: the fds spread evenly from 3 to the limit, so the highest open fd — and the "
      "fd table the kernel walks — grows with the limit.\n")
    w(sweep_table(sweeps, limits, False))
    w("")
    if slope is not None:
        w("### Brute force at limits not allowed here (extrapolated)\n")
        w(f"RLIMIT_NOFILE {' and '.join(str(x) for x in LIMITS_NOT_ALLOWED)} cannot be set on this "
          "machine. A `close()` of a never-opened fd costs the same whatever the limit, so the "
          "brute-force loop is extrapolated linearly from the measured limits (3 fds open, "
          f"least squares over {', '.join(str(l) for l, _ in bf)}: {slope * 1000:.1f} µs per 1000 "
          "fds):\n")
        w("| RLIMIT_NOFILE | `brute_force_sweep` (**extrapolated**, not measured) | `auto_sweep` (measured at "
          f"{hi}, does not grow with the limit) |\n|---|---|---|")
        for l in LIMITS_NOT_ALLOWED:
            w(f"| {l} | {us(intercept + slope * l)} | {us(auto_hi)} |")
        w("")
    w(SWEEP_NOTES.format(
        bf_hi=us(median_of(sweeps, "brute_force_sweep", hi, 3, True)),
        cr_hi_scat=us(median_of(sweeps, "bare_close_range", hi, 100, False)),
        cr_hi_pack=us(median_of(sweeps, "bare_close_range", hi, 100, True)), hi=hi,
        per_slot=(f"{(median_of(sweeps, 'bare_close_range', hi, 100, False) - median_of(sweeps, 'bare_close_range', hi, 100, True)) * 1000 / hi:.0f} ns"
                  if median_of(sweeps, 'bare_close_range', hi, 100, False) and median_of(sweeps, 'bare_close_range', hi, 100, True) else "–"),
        proc_1000=us(median_of(sweeps, "proc_fd_sweep", hi, 1000, True))))

    w("## Compile time, binary size, memory\n")
    w("`g++ -std=c++20 -fsyntax-only`, 5 runs each, interleaved:\n")
    w("| file | median | min | max |\n|---|---|---|---|")
    for key, label in (("empty", "an empty file"),
                       ("filesystem", "`#include <filesystem>`"),
                       ("std_headers", "the standard headers the public headers include ("
                        + ", ".join(f"`<{h}>`" for h in comp["std_headers"]) + ")"),
                       ("umbrella", "`#include <daemoniker/daemoniker.hpp>`")):
        v = t[key]
        w(f"| {label} | **{statistics.median(v):.2f} s** | {min(v):.2f} s | {max(v):.2f} s |")
    w("")
    w("Size and memory: `benchmarks/footprint_empty.cc` (an empty `main`) and "
      "`benchmarks/footprint_daemon.cc` (`daemonizer` context with a pid file), both `cc_binary`, "
      "`-c opt`, linked the same way (libstdc++ shared, the library static), then `strip`ped. "
      "RSS is VmRSS from /proc/self/status: the empty program at the end of `main`; the daemon "
      "right after `daemonize` returned in it; the invoking process's peak (VmHWM) once the "
      "daemon confirmed.\n")
    w("| | empty C++ program | daemonized program | added |\n|---|---|---|---|")
    es, ds = int(foot["empty_size"]), int(foot["daemon_size"])
    w(f"| stripped binary | {es / 1024:.1f} KiB | {ds / 1024:.1f} KiB | **{(ds - es) / 1024:.1f} KiB** |")
    w(f"| RSS: the daemon | {empty_rss} kB | {daemon_rss} kB | {daemon_rss - empty_rss:+d} kB |")
    w(f"| RSS: the invoking process, peak | {int(foot['empty_hwm_kb'])} kB | {inv_hwm} kB | "
      f"{inv_hwm - int(foot['empty_hwm_kb']):+d} kB |")
    w("")
    with open(doc_path, "w") as f:
        f.write("\n".join(L).rstrip("\n") + "\n")


WHY = """Why, where a target is missed — or met only in part:

- **In-process end to end ({e2e_ratio}).** The minimal floor's invoking process learns of
  success straight from the daemon over a pipe. daemonize() routes the report through the first
  child, which stays alive until the daemon confirmed so that it can reap the daemon and report
  *how* it died (exit status or signal) if it dies first: one more wake-up, one more record and
  the first child's exit on the critical path. Besides, it blocks and resets every signal, builds
  the plan and checks every step. Swapping every policy for its null model ({nullall}) barely
  moves it: the cost is in the handoff, not the policies. As whole processes (what the target
  names) the difference is small against the cost of starting a program ({exec} for
  `/bin/true` alone, more for a C++ program that loads libstdc++): {lib_hi} vs {min_hi} at the
  highest limit.
- **python-daemon.** At {py_lo} against {lib_lo}, most of python-daemon's time is the Python
  interpreter starting and importing `daemon` and `lockfile`, and most of ours is starting any
  process at all ({exec} for `/bin/true`). Counting only what each adds to starting a process
  (total minus `/bin/true`), python-daemon takes {py_net} as long; as whole processes, as the
  target states it, {py_ratio}.
- **start-stop-daemon.** It is a small C program with only libc to load, and its invoking
  process exits as soon as its child reported (it does not wait for the daemon). At the highest
  limit it pays for its brute-force `close()` loop ({ssd_lo} at 1024, {ssd_hi} at the highest),
  and the library ({lib_hi}) is {ssd_ratio} faster: the floor of starting a dynamically linked
  C++ program and forking twice is already a large part of start-stop-daemon's total.
- **RSS.** The daemon itself is below the empty program ({daemon_rss} kB against
  {empty_rss} kB) only because `fork()` does not copy the page tables of file-backed mappings:
  the daemon has not yet touched most of the code the invoking process ran. The invoking
  process, which loads and runs the same program, peaks at {inv_hwm} kB — the library's code,
  std::filesystem paths and the plan. A daemon that goes on to run as much code would be that
  size, so read the met verdict as "the daemon starts small", not "daemoniker costs no memory".
- **Compile time ({umb}).** The standard headers the API needs take {std} on their own
  (`<filesystem>` alone {fs}; an empty file {empty}); daemoniker's own headers, Hana and PFR
  included, add {own}. Under 0.5 s needs the public headers to stop including `<filesystem>`
  (e.g. `std::string_view` paths in `options`, `<filesystem>` only where `std::filesystem::path`
  overloads are declared).
"""

SWEEP_NOTES = """- `auto_sweep` picks `close_range` on this kernel and costs what a bare `close_range` costs:
  one system call per gap between shielded fds. Packed, its cost does not move with the limit.
- `close_range` itself walks the fd table up to the highest open fd: with 100 fds scattered up
  to {hi}, {cr_hi_scat} against {cr_hi_pack} packed — about {per_slot} per table slot. The limit
  only bounds how far that can go; it is the program's own fds that decide.
- `brute_force_sweep` (what the Python library and start-stop-daemon do) pays for every possible
  fd up to the hard limit whatever is open: {bf_hi} at {hi}, and linearly more above.
- `proc_fd_sweep` grows with the number of *open* fds (formatting /proc/self/fd, then one
  `close()` each): {proc_1000} for 1000 open. It wins only where `close_range` is missing and few
  fds are open.
- `no_sweep` is the timing floor (two clock reads).
"""


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "compile":
        measure_compile(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 6 and sys.argv[1] == "render":
        render(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
