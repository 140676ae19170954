"""Offline stub of @rules_cc//cc/toolchains:cc_toolchain.bzl: the native rule."""

cc_toolchain = native.cc_toolchain
