"""Offline stub of @rules_shell//shell:sh_test.bzl: Bazel's native rule."""

sh_test = native.sh_test
