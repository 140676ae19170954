"""What a workspace that depends on @daemoniker must declare, in one macro.

    local_repository(name = "daemoniker", path = "...")   # or http_archive / git_repository
    load("@daemoniker//third_party:repositories.bzl", "daemoniker_dependencies")
    daemoniker_dependencies()

The library itself needs only Boost.Hana and Boost.PFR (headers, Debian's libboost1.81-dev).
A repository that the consuming workspace already declared under the same name is kept.
"""

load(":boost_repository.bzl", "boost_headers_repository")

def daemoniker_dependencies(boost_include_dir = "/usr/include"):
    """Declares @boost (Hana + PFR headers) unless the workspace already has it."""
    if "boost" not in native.existing_rules():
        # Only <boost_include_dir>/boost is visible through it, not the rest of that
        # directory (which, for /usr/include, holds the host's C library headers).
        boost_headers_repository(
            name = "boost",
            build_file = "@daemoniker//third_party:boost.BUILD",
            include_dir = boost_include_dir,
        )
    if "cli11" not in native.existing_rules():
        # CLI11 (header-only, Debian's libcli11-dev): only the command-line tool uses it.
        boost_headers_repository(
            name = "cli11",
            build_file = "@daemoniker//third_party:cli11.BUILD",
            include_dir = boost_include_dir,
            subdir = "CLI",
            package = "libcli11-dev",
        )
