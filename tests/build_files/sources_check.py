#!/usr/bin/env python3
"""Compares what the Bazel and the CMake builds compile and test (run by sources_test.sh).

    sources_check.py --query BAZEL_XML --names NAMES.txt... --source DIR --build DIR

BAZEL_XML is //tests/build_files:bazel_targets (a genquery, --output=xml): the library, its
fault-injection variant, the command and the cc_tests, with their srcs, hdrs, deps, args, env and
size. NAMES.txt (//tests:cc_tests_names, ...) name every cc_test, Windows-only ones included.
DIR is a CMake source tree (this repository's CMakeLists.txt, cmake/, and the files they name);
the script configures it in BUILD (no compiling), then asks CMake's file API what each target
compiles and `ctest --show-only=json-v1` what each test runs.

Every Bazel target below is compared with its CMake twin by the files in its transitive closure:
its srcs and hdrs (filegroups expanded) and those of its deps within this repository (not
//third_party, not external repositories); for CMake, a target's sources and those of the targets
it depends on, within the source tree. So a file only one build compiles is named, and so is a
test linked with one definition of the system-call seam on one side and the other on the other.

    //daemoniker:daemoniker                 daemoniker
    //daemoniker:with_fault_injection       daemoniker_with_fault_injection
    //daemoniker/cli:daemoniker             daemoniker_cli
    //tests:NAME (a cc_test), //tests/fuzz:NAME     the executable of the CTest test NAME

For each cc_test the CTest test of the same name must also have Bazel's arguments, its timeout
(the one of its size), and its environment: the same variables (TEST_TMPDIR aside, which Bazel
sets for every test), a `$(rootpath LABEL)` value being the CMake twin of LABEL (which is compared
too). A cc_test that CTest does not run must be listed in tests/CMakeLists.txt as
`#   not-under-ctest: NAME  REASON`; a CTest test must be a Bazel cc_test.

Prints one FAIL line per difference and a summary; exit status 1 when any.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

# Bazel target -> CMake target, where the names differ. //tests:NAME -> NAME otherwise.
TWINS = {
    "//daemoniker:daemoniker": "daemoniker",
    "//daemoniker:with_fault_injection": "daemoniker_with_fault_injection",
    "//daemoniker/cli:daemoniker": "daemoniker_cli",
    "//daemoniker/cli:parse": "daemoniker_cli_parse",
    "//tests:support": "daemoniker_test_support",
}
# Compared whatever uses them.
ALWAYS = ["//daemoniker:daemoniker", "//daemoniker:with_fault_injection", "//daemoniker/cli:daemoniker"]
TIMEOUTS = {"small": 60, "medium": 300, "large": 900, "enormous": 3600}
NOT_UNDER_CTEST = re.compile(r"^#\s+not-under-ctest:\s+(\S+)\s+(\S.*)$")
ROOTPATH = re.compile(r"^\$\((?:rootpath|location|execpath) (\S+)\)$")

failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def absolute(label, package):
    """//pkg:name for a label written in `package` (":x", "x", "//p:x", "//p")."""
    if label.startswith("@"):
        return label
    if label.startswith("//"):
        return label if ":" in label else f"{label}:{label.rsplit('/', 1)[-1]}"
    return f"//{package}:{label.lstrip(':')}"


def path_of(label):
    """The source path of a file label: //daemoniker:src/fd.cc -> daemoniker/src/fd.cc."""
    package, name = label[2:].split(":", 1)
    return f"{package}/{name}" if package else name


class Bazel:
    def __init__(self, xml_path):
        self.rules = {}
        for rule in ET.parse(xml_path).getroot().iter("rule"):
            attrs = {"kind": rule.get("class")}
            for child in rule:
                name = child.get("name")
                if child.tag == "list":
                    attrs[name] = [e.get("value") for e in child]
                elif child.tag == "string":
                    attrs[name] = child.get("value")
                elif child.tag == "dict":
                    attrs[name] = {p[0].get("value"): p[1].get("value") for p in child.iter("pair")}
            self.rules[rule.get("name")] = attrs

    def closure(self, label):
        """Source paths compiled into `label` with its deps inside the repository."""
        files, seen, todo = set(), set(), [label]
        while todo:
            target = todo.pop()
            if target in seen:
                continue
            seen.add(target)
            rule = self.rules.get(target)
            if rule is None:  # outside the query: //third_party, external repositories
                continue
            for attr in ("srcs", "hdrs"):
                for item in rule.get(attr, []):
                    if item in self.rules:
                        todo.append(item)  # a filegroup (or a rule) in srcs
                    elif item.startswith("//"):
                        files.add(path_of(item))
            todo.extend(d for d in rule.get("deps", []) if d.startswith("//"))
        return files

    def tests(self):
        return {label: rule for label, rule in self.rules.items() if rule["kind"] == "cc_test"}


class CMake:
    def __init__(self, source, build):
        self.source = os.path.realpath(source)
        query = os.path.join(build, ".cmake", "api", "v1", "query")
        os.makedirs(query, exist_ok=True)
        open(os.path.join(query, "codemodel-v2"), "w").close()
        configure = subprocess.run(
            ["cmake", "-S", source, "-B", build, "-DDAEMONIKER_BUILD_TESTS=ON",
             "-DDAEMONIKER_BUILD_CLI=ON"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if configure.returncode != 0:
            print(configure.stdout)
            raise SystemExit(f"FAIL cmake could not configure {source} (status {configure.returncode})")
        reply = os.path.join(build, ".cmake", "api", "v1", "reply")
        index = max(f for f in os.listdir(reply) if f.startswith("index-"))
        with open(os.path.join(reply, index)) as f:
            objects = json.load(f)["objects"]
        codemodel = next(o for o in objects if o["kind"] == "codemodel")
        with open(os.path.join(reply, codemodel["jsonFile"])) as f:
            configuration = json.load(f)["configurations"][0]
        self.targets, self.by_id, self.by_artifact = {}, {}, {}
        for entry in configuration["targets"]:
            with open(os.path.join(reply, entry["jsonFile"])) as f:
                target = json.load(f)
            self.targets[target["name"]] = target
            self.by_id[target["id"]] = target["name"]
            for artifact in target.get("artifacts", []):
                path = artifact["path"]
                if not os.path.isabs(path):
                    path = os.path.join(build, path)
                self.by_artifact[os.path.realpath(path)] = target["name"]
        # ctest names a test's command only once its executable exists: empty stand-ins (never
        # run; nothing is compiled here).
        for path, name in self.by_artifact.items():
            if self.targets[name]["type"] == "EXECUTABLE" and not os.path.exists(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w"):
                    pass
                os.chmod(path, 0o755)
        shown = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build,
                               stdout=subprocess.PIPE, text=True, check=True)
        self.tests = {t["name"]: t for t in json.loads(shown.stdout)["tests"]}

    def in_tree(self, path):
        """The path relative to the source tree, or None for generated and outside files."""
        if os.path.isabs(path):
            path = os.path.realpath(path)
            if not path.startswith(self.source + os.sep):
                return None
            path = os.path.relpath(path, self.source)
        return path

    def closure(self, name):
        files, seen, todo = set(), set(), [name]
        while todo:
            target = todo.pop()
            if target in seen:
                continue
            seen.add(target)
            for source in self.targets[target].get("sources", []):
                if not source.get("isGenerated"):
                    path = self.in_tree(source["path"])
                    if path is not None:
                        files.add(path)
            todo.extend(self.by_id[d["id"]] for d in self.targets[target].get("dependencies", []))
        return files

    def artifact(self, name):
        for path, target in self.by_artifact.items():
            if target == name:
                return path
        return None

    def test_properties(self, test):
        return {p["name"]: p["value"] for p in test.get("properties", [])}


def twin(label):
    if label in TWINS:
        return TWINS[label]
    return label.rsplit(":", 1)[1]


def compare(bazel, cmake, label, cmake_name, compared):
    if (label, cmake_name) in compared:
        return
    compared.add((label, cmake_name))
    if cmake_name not in cmake.targets:
        fail(f"{label}: CMake has no target {cmake_name}")
        return
    theirs, ours = bazel.closure(label), cmake.closure(cmake_name)
    for path in sorted(theirs - ours):
        fail(f"{label} compiles {path}; CMake's {cmake_name} does not (cmake/sources.cmake, tests/CMakeLists.txt)")
    for path in sorted(ours - theirs):
        fail(f"CMake's {cmake_name} compiles {path}; {label} does not (daemoniker/BUILD.bazel, tests/BUILD.bazel)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--query", required=True)
    parser.add_argument("--names", nargs="+", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--build", required=True)
    args = parser.parse_args()

    bazel = Bazel(args.query)
    cmake = CMake(args.source, args.build)
    compared = set()
    for label in ALWAYS:
        compare(bazel, cmake, label, twin(label), compared)

    # The tests CTest leaves out, and why (tests/CMakeLists.txt).
    left_out = {}
    with open(os.path.join(args.source, "tests", "CMakeLists.txt")) as f:
        for line in f:
            m = NOT_UNDER_CTEST.match(line.rstrip())
            if m:
                left_out[m.group(1)] = m.group(2)
    names = set()
    for path in args.names:
        with open(path) as f:
            names |= {line.strip() for line in f if line.strip()}

    bazel_tests = bazel.tests()
    by_name = {label.rsplit(":", 1)[1]: label for label in bazel_tests}
    for name in sorted(names | set(by_name)):
        label = by_name.get(name, name)
        if name in left_out:
            if name in cmake.tests:
                fail(f"{name} is listed as not-under-ctest in tests/CMakeLists.txt, yet CTest runs it")
            continue
        if name not in cmake.tests:
            fail(f"the Bazel test {label} is neither a CTest test nor listed as "
                 "`#   not-under-ctest: NAME  REASON` in tests/CMakeLists.txt")
            continue
        if name not in by_name:
            fail(f"CTest runs {name}, a Bazel test that cannot run on Linux")
            continue
        rule, test = bazel_tests[label], cmake.tests[name]
        command = test.get("command") or []
        executable = cmake.by_artifact.get(os.path.realpath(command[0])) if command else None
        if executable is None:
            fail(f"CTest's {name} runs {command[:1]}, which no CMake target builds")
            continue
        compare(bazel, cmake, label, executable, compared)
        if command[1:] != rule.get("args", []):
            fail(f"{name}: Bazel runs it with arguments {rule.get('args', [])}, CTest with {command[1:]}")
        properties = cmake.test_properties(test)
        timeout = TIMEOUTS[rule.get("size", "medium")]
        if properties.get("TIMEOUT") != timeout:
            fail(f"{name}: size {rule.get('size', 'medium')} is a {timeout} s timeout under Bazel, "
                 f"CTest's TIMEOUT is {properties.get('TIMEOUT')}")
        env = dict(e.split("=", 1) for e in properties.get("ENVIRONMENT", []))
        env.pop("TEST_TMPDIR", None)
        bazel_env = rule.get("env", {})
        for key in sorted(set(bazel_env) | set(env)):
            if key not in env:
                fail(f"{name}: Bazel sets {key}, CTest does not")
            elif key not in bazel_env:
                fail(f"{name}: CTest sets {key}, Bazel does not")
            else:
                m = ROOTPATH.match(bazel_env[key])
                if not m:
                    if bazel_env[key] != env[key]:
                        fail(f"{name}: {key} is {bazel_env[key]!r} under Bazel, {env[key]!r} under CTest")
                    continue
                data = absolute(m.group(1), label[2:].split(":")[0])
                target = cmake.by_artifact.get(os.path.realpath(env[key]))
                if target != twin(data):
                    fail(f"{name}: {key} is {data} under Bazel, {env[key]} (target {target}) under CTest; "
                         f"expected CMake's {twin(data)}")
                else:
                    compare(bazel, cmake, data, target, compared)

    for name in sorted(set(cmake.tests) - names):
        fail(f"CTest runs {name}, which is no Bazel cc_test of tests/ (tests/BUILD.bazel)")
    for name in sorted(set(left_out) - names):
        fail(f"tests/CMakeLists.txt lists {name} as not-under-ctest, but there is no such Bazel test")

    print(f"sources_check: {len(compared)} targets compared (their files), {len(names)} Bazel cc_tests, "
          f"{len(cmake.tests)} CTest tests, {len(left_out)} left out, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
