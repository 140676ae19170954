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
