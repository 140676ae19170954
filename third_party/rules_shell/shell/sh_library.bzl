"""Offline stub of @rules_shell//shell:sh_library.bzl: Bazel's native rule."""

sh_library = native.sh_library
