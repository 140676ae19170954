"""Offline stub of @rules_cc//cc/common:cc_info.bzl: Bazel's builtin CcInfo."""

load(":builtin.bzl", "CC_INFO")

CcInfo = CC_INFO
