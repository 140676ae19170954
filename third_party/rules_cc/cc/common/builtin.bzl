"""The builtin cc_common and CcInfo, under other names (a module cannot rebind a builtin to itself)."""

CC_COMMON = cc_common
CC_INFO = CcInfo
