"""Offline stub of @rules_cc//cc:cc_binary.bzl: Bazel's native rule under its usual name."""

cc_binary = native.cc_binary
