"""Offline stub of @rules_shell//shell:sh_binary.bzl: Bazel's native rule."""

sh_binary = native.sh_binary
