"""Offline stub of @rules_cc//cc/common:cc_common.bzl: Bazel's builtin cc_common."""

load(":builtin.bzl", "CC_COMMON")

cc_common = CC_COMMON
