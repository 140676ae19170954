"""cc_link_only: what its deps link, without what they compile with."""

load("@rules_cc//cc/common:cc_common.bzl", "cc_common")
load("@rules_cc//cc/common:cc_info.bzl", "CcInfo")

def _cc_link_only_impl(ctx):
    merged = cc_common.merge_cc_infos(cc_infos = [dep[CcInfo] for dep in ctx.attr.deps])
    return [CcInfo(linking_context = merged.linking_context)]

cc_link_only = rule(
    implementation = _cc_link_only_impl,
    doc = """The libraries of its deps (their archives, in deps order, and their linkopts),
without their compilation context: a target that depends on it links what its deps compiled
but sees none of their headers — neither `hdrs` nor the `srcs` headers that Bazel 4 otherwise
passes on to every dependent's compilations — nor their include paths and defines.

It gives no headers of its own: pair it with a cc_library of the headers a dependent may
include (//daemoniker: :headers, and the components through this rule).""",
    attrs = {
        "deps": attr.label_list(
            providers = [CcInfo],
            doc = "The cc_library targets whose libraries it links, in link order.",
        ),
    },
    provides = [CcInfo],
)
