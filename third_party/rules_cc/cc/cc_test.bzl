"""Offline stub of @rules_cc//cc:cc_test.bzl: Bazel's native rule under its usual name."""

cc_test = native.cc_test
