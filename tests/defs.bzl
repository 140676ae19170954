"""daemon_test: a GoogleTest that starts real daemons (linux-only, with tests/support)."""

load("@rules_cc//cc:defs.bzl", "cc_test")

def daemon_test(name, srcs = None, size = "small", fault_injection = False, **kwargs):
    """A cc_test on Linux depending on :support, //daemoniker and gtest_main.

    Args:
      name: the target; its source defaults to <name>.cc.
      srcs: the sources, when not <name>.cc.
      size: Bazel test size.
      fault_injection: link the library over the testonly seam table
        (//daemoniker:with_fault_injection, daemoniker/src/sys_faults.hpp) instead of direct
        system calls.
      **kwargs: anything else cc_test takes (data, env, args, tags).
    """
    cc_test(
        name = name,
        size = size,
        srcs = srcs or [name + ".cc"],
        target_compatible_with = ["@platforms//os:linux"],
        deps = [
            ":support",
            "//daemoniker:with_fault_injection" if fault_injection else "//daemoniker",
            "//third_party:gtest_main",
        ],
        **kwargs
    )

def cc_tests_for_cmake(name):
    """The cc_tests defined so far in the package, for //tests/build_files:sources_test.

    That test compares each cc_test with its CTest twin (tests/CMakeLists.txt) through a
    genquery, which takes no wildcards and refuses a scope holding a target incompatible with the
    platform. So this macro, called last in a BUILD file, declares:

      NAME         a test_suite of the cc_tests that can run on Linux (the genquery's scope);
      NAME_names   a file naming every cc_test of the package, one a line, Windows-only included
                   (those must be listed in tests/CMakeLists.txt as not run by CTest).

    Args:
      name: the test_suite; the file is NAME_names.txt.
    """
    everything, linux = [], []
    for rule in native.existing_rules().values():
        if rule["kind"] != "cc_test":
            continue
        everything.append(rule["name"])
        if "@platforms//os:windows" not in [str(c) for c in rule.get("target_compatible_with") or []]:
            linux.append(":" + rule["name"])
    native.test_suite(
        name = name,
        tests = sorted(linux),
        visibility = ["//tests/build_files:__pkg__"],
    )
    native.genrule(
        name = name + "_names",
        outs = [name + "_names.txt"],
        cmd = "printf '%s\\n' " + " ".join(sorted(everything)) + " >$@",
        visibility = ["//tests/build_files:__pkg__"],
    )
