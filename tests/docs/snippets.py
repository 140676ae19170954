#!/usr/bin/env python3
"""Checks that the documentation's C++ is compiled code (run by snippets_test.sh).

    snippets.py ROOT --sources FILE... --docs FILE...    (paths relative to ROOT)

Every ```cpp block of a document is preceded, on the line right before its fence, by one of

    <!-- snippet: PATH/X.cc#NAME -->   the block is region NAME of that file (an example under
                                               docs/examples/, or a test that shows usage)
    <!-- synopsis: WHY -->                     not compilable C++ (a signature outline); WHY
                                               says why, and may not be empty

A region is marked in a source by the lines `// [snippet:NAME]` and `// [/snippet:NAME]`
(the marker lines themselves belong to no region). Regions may nest and overlap; a name may
be opened several times, and its parts are then joined in order — so a snippet can skip the
lines of a file it does not show. Each part is dedented on its own. The block and the region
must then be equal line for line, after removing trailing whitespace and the blank lines at
either end: nothing else is normalised.

Fails on: an unmarked ```cpp block; a C++ block fenced with another info string (```c++,
```cc, ...); a marker not followed by a ```cpp block; a synopsis without a reason; a snippet
whose source or region does not exist, or whose text differs from its region (a diff is
printed); unbalanced region markers; a region of a source that no document shows.
Prints one line per block (CHECKED, SYNOPSIS or FAIL) and a summary.
"""
import difflib
import re
import sys
import textwrap

FENCE = re.compile(r"^(```+|~~~+)\s*([^\s`]*)\s*$")
SNIPPET = re.compile(r"^<!-- snippet: (\S+?)#([\w.-]+) -->$")
SYNOPSIS = re.compile(r"^<!-- synopsis:(.*)-->$")
MARKER = re.compile(r"^<!-- (snippet|synopsis)\b")
REGION = re.compile(r"^\s*// \[(/?)snippet:([\w.-]+)\]\s*$")
CPP_LIKE = {"c++", "cc", "cxx", "hpp", "hh", "h", "c", "cplusplus"}


def normalise(lines):
    lines = [l.rstrip() for l in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def regions_of(path, text, fail):
    """{name: [lines]} of a source, its parts dedented one by one and joined."""
    parts, open_at = {}, {}
    for number, line in enumerate(text.split("\n"), 1):
        m = REGION.match(line)
        if m:
            closing, name = m.group(1) == "/", m.group(2)
            if closing and name not in open_at:
                fail(f"{path}:{number}: `// [/snippet:{name}]` closes no open region")
            elif not closing and name in open_at:
                fail(f"{path}:{number}: region '{name}' opened again before it was closed")
            elif closing:
                part = open_at.pop(name)
                parts.setdefault(name, []).append(textwrap.dedent("\n".join(part)).split("\n"))
            else:
                open_at[name] = []
            continue
        for part in open_at.values():
            part.append(line)
    for name in open_at:
        fail(f"{path}: region '{name}' is never closed")
    return {name: [l for part in ps for l in part] for name, ps in parts.items()}


def main(argv):
    root = argv[1]
    sources = argv[argv.index("--sources") + 1 : argv.index("--docs")]
    docs = argv[argv.index("--docs") + 1 :]
    failures, checked, synopses = [], 0, 0

    def fail(message):
        failures.append(message)
        print(f"FAIL {message}")

    regions, shown = {}, set()
    for source in sources:
        with open(f"{root}/{source}", encoding="utf-8") as f:
            for name, lines in regions_of(source, f.read(), fail).items():
                regions[(source, name)] = lines

    for doc in docs:
        with open(f"{root}/{doc}", encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            fence = FENCE.match(line)
            if MARKER.match(line) and not (
                i + 1 < len(lines) and re.match(r"^```cpp\s*$", lines[i + 1])
            ):
                fail(f"{doc}:{i + 1}: a marker must be the line right before a ```cpp fence")
            if not fence:
                i += 1
                continue
            start, info = i, fence.group(2).lower()
            end = start + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            body = lines[start + 1 : end]
            i = end + 1
            where = f"{doc}:{start + 1}"
            if info in CPP_LIKE:
                fail(f"{where}: C++ is fenced as ```{info}: use ```cpp, and mark it")
                continue
            if info != "cpp":
                continue
            marker = lines[start - 1] if start > 0 else ""
            snippet, synopsis = SNIPPET.match(marker), SYNOPSIS.match(marker)
            if synopsis:
                reason = synopsis.group(1).strip()
                if not reason:
                    fail(f"{where}: a synopsis must say why it is not compiled code")
                else:
                    synopses += 1
                    print(f"SYNOPSIS {where}: {reason}")
            elif snippet:
                source, name = snippet.group(1), snippet.group(2)
                key = (source, name)
                if source not in sources:
                    fail(f"{where}: its source {source} is not one of the compiled examples")
                elif key not in regions:
                    fail(f"{where}: {source} has no region '{name}'")
                else:
                    shown.add(key)
                    want, got = normalise(regions[key]), normalise(textwrap.dedent("\n".join(body)).split("\n"))
                    if want == got:
                        checked += 1
                        print(f"CHECKED {where} against {source}#{name}")
                    else:
                        fail(f"{where}: differs from {source}#{name} (- the source, + the document):")
                        sys.stdout.writelines(
                            f"    {l}\n"
                            for l in difflib.unified_diff(want, got, source, doc, lineterm="")
                        )
            elif MARKER.match(marker):
                fail(
                    f"{where}: a malformed marker {marker!r}: write "
                    "<!-- snippet: docs/examples/X.cc#NAME --> or <!-- synopsis: WHY -->"
                )
            else:
                fail(
                    f"{where}: an unmarked ```cpp block: put it in a compiled example and mark it "
                    "<!-- snippet: docs/examples/X.cc#NAME -->, or, if it cannot compile, "
                    "<!-- synopsis: WHY -->"
                )

    for source, name in sorted(set(regions) - shown):
        fail(f"{source}: region '{name}' is shown by no document")
    print(f"snippets: {checked} checked, {synopses} synopses, {len(failures)} failure(s)")
    if checked == 0:
        print("FAIL: no snippet was checked")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
