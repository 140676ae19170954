"""Offline stub of @rules_cc//cc:cc_library.bzl: Bazel's native rule under its usual name."""

cc_library = native.cc_library
