#!/usr/bin/env bash
# Bazel test: builds the payload fuzzer with clang++ and fuzzes for $1 seconds (tools/fuzz.sh).
# Without clang or its libFuzzer runtime the test reports itself skipped (in test.xml), never
# passed.
set -uo pipefail
root=${TEST_SRCDIR:?}/${TEST_WORKSPACE:?}
bash "$root/tests/fuzz/fuzz.sh" "${1:-30}" --root "$root"
status=$?
if ((status == 77)); then
  if [[ -n ${XML_OUTPUT_FILE:-} ]]; then
    cat >"$XML_OUTPUT_FILE" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="payload_fuzz_test" tests="1" skipped="1">
<testcase name="payload_fuzz_test" classname="fuzz"><skipped message="clang++ or libFuzzer missing"/></testcase>
</testsuite></testsuites>
XML
  fi
  exit 0
fi
exit "$status"
