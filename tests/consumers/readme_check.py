#!/usr/bin/env python3
"""Checks that a document shows files as they are (run by readme_test.sh).

    readme_check.py ROOT DOC --shown FILE...      (paths relative to ROOT)

A block of DOC copies a file when the line right before its fence is

    <!-- file: docs/examples/consumers/install.sh -->

and must then equal that file line for line, after removing trailing whitespace and the blank
lines at either end (any fence info string: ```sh, ```cmake, ...). Every FILE must be copied by
some block. Fails on: a marker not followed by a fence, a block that differs from its file (a
diff is printed), a file that does not exist, a FILE no block copies. Prints one line per block
(CHECKED or FAIL) and a summary.
"""
import difflib
import re
import sys

MARKER = re.compile(r"^<!-- file: (\S+) -->$")
FENCE = re.compile(r"^(```+|~~~+)\s*[^\s`]*\s*$")


def normalise(lines):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def main(argv):
    root, doc = argv[1], argv[2]
    shown_wanted = argv[argv.index("--shown") + 1 :] if "--shown" in argv else []
    failures, shown = [], set()

    def fail(message):
        failures.append(message)
        print(f"FAIL {message}")

    with open(f"{root}/{doc}", encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            continue
        path, where = marker.group(1), f"{doc}:{i + 1}"
        fence = FENCE.match(lines[i + 1]) if i + 1 < len(lines) else None
        if not fence:
            fail(f"{where}: the marker for {path} must be the line right before a fence")
            continue
        end = i + 2
        while end < len(lines) and not lines[end].startswith(fence.group(1)):
            end += 1
        try:
            with open(f"{root}/{path}", encoding="utf-8") as f:
                want = normalise(f.read().split("\n"))
        except OSError as e:
            fail(f"{where}: cannot read {path}: {e.strerror}")
            continue
        got = normalise(lines[i + 2 : end])
        if want == got:
            shown.add(path)
            print(f"CHECKED {where} is {path}")
        else:
            fail(f"{where}: differs from {path} (- the file, + the document):")
            sys.stdout.writelines(
                f"    {l}\n" for l in difflib.unified_diff(want, got, path, doc, lineterm="")
            )
    for path in shown_wanted:
        if path not in shown:
            fail(f"{doc} does not show {path} (a ```-block right after <!-- file: {path} -->)")
    print(f"readme_check: {len(shown)} file(s) shown as they are, {len(failures)} failure(s)")
    return 1 if failures or not shown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
