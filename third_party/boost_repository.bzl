"""boost_headers_repository: a repository holding just <include_dir>/boost.

Its root contains one entry, a symlink `boost` -> <include_dir>/boost, and the BUILD file given
(boost.BUILD). Its include directory (-isystem external/boost) therefore exposes Boost's headers
and nothing else of <include_dir>, even to actions that run without a sandbox: a mingw-w64 build
must not find the host's glibc headers (/usr/include/stdio.h, unistd.h, ...) there.
"""

def _boost_headers_repository_impl(rctx):
    sub = rctx.attr.subdir
    boost = rctx.path(rctx.attr.include_dir + "/" + sub)
    if not boost.exists:
        fail("%s does not exist; install %s (tools/setup.sh)" % (boost, rctx.attr.package))
    rctx.symlink(boost, sub)
    rctx.symlink(rctx.attr.build_file, "BUILD.bazel")
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)

boost_headers_repository = repository_rule(
    implementation = _boost_headers_repository_impl,
    attrs = {
        "include_dir": attr.string(mandatory = True, doc = "Directory that contains boost/."),
        "build_file": attr.label(mandatory = True, allow_single_file = True),
        "subdir": attr.string(default = "boost", doc = "The one subdirectory to expose."),
        "package": attr.string(default = "libboost1.81-dev", doc = "Debian package providing it."),
    },
    local = True,
)

def _stub_repository_impl(rctx):
    # third_party/<stub>/ of the daemoniker repository, wherever that repository is.
    here = rctx.path(Label("//third_party:repositories.bzl")).dirname
    stub = here.get_child(rctx.attr.stub)
    if not stub.exists:
        fail("%s does not exist" % stub)
    for entry in stub.readdir():
        rctx.symlink(entry, entry.basename)

stub_repository = repository_rule(
    implementation = _stub_repository_impl,
    doc = "A repository made of the files of third_party/<stub> (offline stand-ins for rules).",
    attrs = {
        "stub": attr.string(mandatory = True, doc = "The directory under third_party/."),
    },
    local = True,
)
