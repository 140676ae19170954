#!/usr/bin/env bash
# Fuzzes daemoniker's handoff payload decoder with clang's libFuzzer (+ ASan, UBSan):
#
#   bash tools/fuzz.sh [SECONDS] [--keep DIR]     (default 30 s; CI runs 30 s as a test)
#
# The script proper is tests/fuzz/fuzz.sh, next to the fuzz target, so that the Bazel test
# //tests/fuzz:payload_fuzz_test can run it too.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../tests/fuzz/fuzz.sh" "$@"
