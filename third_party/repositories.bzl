"""What a workspace that depends on @daemoniker must declare, in one macro.

    local_repository(name = "daemoniker", path = "...")   # or http_archive / git_repository
    load("@daemoniker//third_party:repositories.bzl", "daemoniker_dependencies")
    daemoniker_dependencies()

The library itself needs only Boost.Hana and Boost.PFR (headers, Debian's libboost1.81-dev).
A repository that the consuming workspace already declared under the same name is kept.
"""

def daemoniker_dependencies(boost_include_dir = "/usr/include"):
    """Declares @boost (Hana + PFR headers) unless the workspace already has it."""
    if "boost" not in native.existing_rules():
        native.new_local_repository(
            name = "boost",
            build_file = "@daemoniker//third_party:boost.BUILD",
            path = boost_include_dir,
        )
