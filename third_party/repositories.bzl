"""What a WORKSPACE that depends on @daemoniker must declare, in one macro.

    local_repository(name = "daemoniker", path = "...")   # or http_archive / git_repository
    load("@daemoniker//third_party:repositories.bzl", "daemoniker_dependencies")
    daemoniker_dependencies()

The library needs Boost.Hana and Boost.PFR (headers; Debian's libboost1.81-dev), the command
CLI11 (libcli11-dev); daemoniker's BUILD files load their rules from @rules_cc and @rules_shell.
Each is declared under the Bazel Central Registry's name, so that the same labels resolve with
bzlmod (../MODULE.bazel). A repository the workspace already declared under that name is kept.
"""

load(":boost_repository.bzl", "boost_headers_repository", "stub_repository")

def daemoniker_dependencies(include_dir = "/usr/include"):
    """Declares daemoniker's external repositories that the workspace has not declared yet.

    Args:
      include_dir: where boost/ and CLI/ are (Debian: /usr/include).
    """
    existing = native.existing_rules()

    # rules_cc and rules_shell as Bazel 4-7 have them built in: stubs that re-export the native
    # rules from where Bazel 8+ expects them (@rules_cc//cc:cc_library.bzl, ...); rules_java,
    # which @bazel_tools loads, likewise. Declared only when absent, so a workspace that wants
    # the real rules declares them first; without them, nothing is downloaded (offline builds).
    for name in ["rules_cc", "rules_shell", "rules_java"]:
        if name not in existing:
            stub_repository(name = name, stub = name)

    # Only <include_dir>/boost is visible through these, not the rest of that directory (which,
    # for /usr/include, holds the host's C library headers).
    for name, build_file in [
        ("boost.hana", "@daemoniker//third_party:boost_hana.BUILD"),
        ("boost.pfr", "@daemoniker//third_party:boost_pfr.BUILD"),
    ]:
        if name not in existing:
            boost_headers_repository(
                name = name,
                build_file = build_file,
                include_dir = include_dir,
            )
    if "cli11" not in existing:
        boost_headers_repository(
            name = "cli11",
            build_file = "@daemoniker//third_party:cli11.BUILD",
            include_dir = include_dir,
            subdir = "CLI",
            package = "libcli11-dev",
        )
