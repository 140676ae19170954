#!/bin/bash
# Documentation snippets that name their source (a line `<!-- snippet: docs/examples/X.cc -->`
# right before the ```cpp fence) must be that file's code: every non-empty line of the snippet
# appears in the file, in the same order (indentation aside). The examples themselves are
# built by //docs/examples, so a checked snippet cannot rot. Other snippets are listed as
# sketches, for the record.
#
#   snippets_test.sh <markdown files...>
set -u
root=${TEST_SRCDIR:-$PWD/..}/${TEST_WORKSPACE:-daemoniker}
[[ -d $root/docs/examples ]] || root=$PWD
failures=0 checked=0 sketches=0
for md in "$@"; do
  result=$(python3 - "$root" "$md" <<'PY'
import re, sys
root, md = sys.argv[1], sys.argv[2]
text = open(f"{root}/{md}").read()
out = []
for m in re.finditer(r"(?:<!-- snippet: (\S+) -->\n)?```cpp\n(.*?)```", text, re.S):
    line = text[: m.start()].count("\n") + 1
    source, body = m.group(1), m.group(2)
    if source is None:
        out.append(f"SKETCH {md}:{line}")
        continue
    try:
        lines = [l.strip() for l in open(f"{root}/{source}").read().split("\n")]
    except OSError as e:
        out.append(f"FAIL {md}:{line}: its source {source}: {e.strerror}")
        continue
    at = 0
    for want in (l.strip() for l in body.split("\n")):
        if not want:
            continue
        while at < len(lines) and lines[at] != want:
            at += 1
        if at == len(lines):
            out.append(f"FAIL {md}:{line}: not in {source} (in this order): {want}")
            break
        at += 1
    else:
        out.append(f"CHECKED {md}:{line} against {source}")
print("\n".join(out))
PY
)
  echo "$result"
  failures=$((failures + $(grep -c '^FAIL' <<<"$result")))
  checked=$((checked + $(grep -c '^CHECKED' <<<"$result")))
  sketches=$((sketches + $(grep -c '^SKETCH' <<<"$result")))
done
echo "snippets_test: $checked checked, $sketches sketches, $failures failure(s)"
((checked > 0)) || { echo "FAIL: no snippet was checked"; exit 1; }
exit $((failures > 0))
