"""Offline stub of @rules_cc//cc:cc_import.bzl: Bazel's native rule under its usual name."""

cc_import = native.cc_import
