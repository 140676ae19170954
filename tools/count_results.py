#!/usr/bin/env python3
"""Counts the test results of the `bazel test` runs of tools/test.sh.

Usage: count_results.py --log LOG [--testlogs DIR] [--bazel-status N]

LOG is the console output of tools/test.sh. It runs `bazel test` twice, natively
and with --config=windows, and after each run prints a line

    test.sh: run NAME finished: status N, testlogs DIR

The log is cut at those lines into one part per run, and each part is counted
with that run's Bazel exit status and test logs directory (the two configs
keep their logs apart: bazel-out/k8-fastbuild/testlogs and
bazel-out/k8-fastbuild-windows/testlogs). A log without such lines is one run,
counted with --testlogs and --bazel-status. The closing line adds up all runs.

Each run's closing summary names every test target of the run with a status
("//pkg:t   PASSED in 0.1s", "FAILED TO BUILD", "NO STATUS", ...); only those
targets are counted, so stale results of earlier runs in bazel-testlogs/ are
ignored. SKIPPED targets (incompatible with the run's platform, see
//toolchains) did not run and are not counted.

For each target, the test.xml files under bazel-testlogs/<pkg>/<name>/ are
read and each <testcase> counts once: failed if it has a <failure> or
<error> child, skipped if GoogleTest marked it skipped/not run, else passed.
(Bazel writes a one-testcase test.xml for tests that write none, e.g.
sh_test.) A target that failed without a failing testcase in its XML
(failed to build, no status, timeout, crash, sanitizer report at exit) counts
as one failure. If Bazel exited non-zero yet nothing failed (e.g. a
non-test target did not build, or no test targets), that counts as one
failure too.

Besides the Bazel runs, tools/test.sh runs checks of its own (tools/check_leftovers.sh) that
print "test.sh: check NAME: passed ..." or "test.sh: check NAME: failed: ..."; each such line
counts as one test (passed or failed).

The last line printed is "N passed, N failed" (", N skipped" when N > 0).
Exit status: 0 when nothing failed, 1 otherwise.
"""

import argparse
import collections
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# "//pkg:name   (cached) PASSED in 0.1s", "@repo//pkg:name   FAILED TO BUILD", ...
SUMMARY = re.compile(
    r"^(?P<label>(?:@[\w.~+-]*)?//[^\s:]*:\S+)\s+(?:\(cached\)\s+)?"
    r"(?P<status>[A-Z][A-Z_ ]*[A-Z])(?:\s+in\s+\S+)?\s*$")
OK_STATUSES = {"PASSED", "FLAKY"}  # FLAKY: passed on a retry
# Incompatible with the target platform (target_compatible_with): not built, not run.
NOT_RUN_STATUSES = {"SKIPPED"}
# Printed by tools/test.sh after each `bazel test`.
RUN_END = re.compile(
    r"^test\.sh: run (?P<name>\S+) finished: status (?P<status>-?\d+), "
    r"testlogs (?P<testlogs>.*?)\s*$")

# Printed by tools/test.sh for each check it runs itself (not a Bazel test).
CHECK = re.compile(r"^test\.sh: check (?P<name>\S+): (?P<result>passed|failed)\b")

Run = collections.namedtuple("Run", "name text testlogs bazel_status")


def split_runs(log_text, default_testlogs, default_status):
    """Cuts the log into runs at tools/test.sh's "run ... finished" lines."""
    runs, start = [], 0
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        m = RUN_END.match(ANSI.sub("", line).rstrip("\r"))
        if m:
            runs.append(Run(m.group("name"), "\n".join(lines[start:i]),
                            m.group("testlogs"), int(m.group("status"))))
            start = i + 1
    if not runs:
        runs.append(Run("", log_text, default_testlogs, default_status))
    return runs


def summary_statuses(log_text):
    """Returns {label: status} from the summary that follows 'Elapsed time'."""
    lines = [ANSI.sub("", l).rstrip("\r") for l in log_text.splitlines()]
    # The summary comes after Bazel's last "INFO: Elapsed time" line; test
    # logs printed by --test_output=errors come before it.
    start = 0
    for i, line in enumerate(lines):
        if line.startswith("INFO: Elapsed time:"):
            start = i + 1
    statuses = {}
    for line in lines[start:]:
        m = SUMMARY.match(line)
        if m:
            statuses[m.group("label")] = m.group("status")
    return statuses


def testlog_dir(testlogs, label):
    repo, _, rest = label.partition("//")
    pkg, _, name = rest.partition(":")
    parts = [testlogs]
    if repo:
        parts += ["external", repo.lstrip("@")]
    return os.path.join(*parts, pkg, name)


def xml_files(directory):
    top = os.path.join(directory, "test.xml")
    if os.path.isfile(top):
        return [top]
    # Sharded (shard_1_of_N/) or repeated (run_1_of_N/) tests.
    return sorted(glob.glob(os.path.join(directory, "*", "test.xml")) +
                  glob.glob(os.path.join(directory, "*", "*", "test.xml")))


def count_xml(path):
    """Returns (passed, failed, skipped) for one JUnit/GoogleTest XML file."""
    passed = failed = skipped = 0
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.find("skipped") is not None
              or case.get("status") == "notrun"
              or case.get("result") in ("skipped", "suppressed")):
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def count_run(run):
    """Returns (passed, failed, skipped) of one run, printing a line per target."""
    tag = f"[{run.name}] " if run.name else ""
    statuses = summary_statuses(run.text)
    passed = failed = skipped = 0
    for label, status in sorted(statuses.items()):
        if status in NOT_RUN_STATUSES:
            print(f"count_results: {tag}{label}: {status}: not for this platform, not counted")
            continue
        p = f = s = 0
        # FAILED TO BUILD / NO STATUS: the test did not run in this
        # invocation, so any XML on disk is stale.
        ran = status not in ("FAILED TO BUILD", "NO STATUS")
        files = xml_files(testlog_dir(run.testlogs, label)) if ran else []
        for path in files:
            try:
                dp, df, ds = count_xml(path)
            except (ET.ParseError, OSError) as e:
                print(f"count_results: {tag}{label}: unreadable {path}: {e}")
                continue
            p, f, s = p + dp, f + df, s + ds
        if status not in OK_STATUSES and f == 0:
            f = 1  # failed, but no failing testcase to show for it
        print(f"count_results: {tag}{label}: {status}: {p} passed, {f} failed"
              + (f", {s} skipped" if s else ""))
        passed, failed, skipped = passed + p, failed + f, skipped + s

    if run.bazel_status != 0 and failed == 0:
        print(f"count_results: {tag}bazel exited with status {run.bazel_status} "
              "although no test failed (build error or no tests); counting 1 failure")
        failed = 1
    if not statuses:
        print(f"count_results: {tag}no test summary found")
    return passed, failed, skipped


def checks(log_text):
    """Returns [(name, "passed"|"failed")] of tools/test.sh's own checks."""
    found = []
    for line in log_text.splitlines():
        m = CHECK.match(ANSI.sub("", line).rstrip("\r"))
        if m:
            found.append((m.group("name"), m.group("result")))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--testlogs", default="bazel-testlogs",
                    help="test logs directory of a log without run lines")
    ap.add_argument("--bazel-status", type=int, default=0,
                    help="exit status of tools/test.sh (or of the one bazel run)")
    args = ap.parse_args()

    with open(args.log, encoding="utf-8", errors="replace") as f:
        log_text = f.read()
    runs = split_runs(log_text, args.testlogs, args.bazel_status)

    passed = failed = skipped = 0
    for run in runs:
        p, f, s = count_run(run)
        if len(runs) > 1:
            print(f"count_results: run {run.name}: {p} passed, {f} failed"
                  + (f", {s} skipped" if s else ""))
        passed, failed, skipped = passed + p, failed + f, skipped + s

    for name, result in checks(log_text):
        print(f"count_results: check {name}: {result}")
        if result == "passed":
            passed += 1
        else:
            failed += 1

    if args.bazel_status != 0 and failed == 0:
        print(f"count_results: tools/test.sh exited with status {args.bazel_status} "
              "although no test failed; counting 1 failure")
        failed = 1

    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or args.bazel_status != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
