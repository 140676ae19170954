"""The builtin cc_common, under another name (a module cannot rebind a builtin to itself)."""

CC_COMMON = cc_common
