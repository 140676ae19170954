"""C++ toolchain config for Debian's mingw-w64 cross compiler (GCC 12, posix threads).

Builds Windows x86-64 programs on Linux: `bazel build --config=windows ...` (see ../../.bazelrc).
Every binary is linked statically (libstdc++, libgcc, winpthread), so a .exe runs under Wine or
on Windows with no DLL beside it. Tools come from g++-mingw-w64-x86-64-posix (tools/setup.sh).
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "artifact_name_pattern",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    "with_feature_set",
)
load("@rules_cc//cc/common:cc_common.bzl", "cc_common")

_PREFIX = "/usr/bin/x86_64-w64-mingw32-"

_C_COMPILE = [
    ACTION_NAMES.c_compile,
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
]

_CXX_COMPILE = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.cpp_module_codegen,
    ACTION_NAMES.linkstamp_compile,
]

_LINK = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags, features = None):
    return flag_set(
        actions = actions,
        flag_groups = [flag_group(flags = flags)],
        with_features = [with_feature_set(features = features)] if features else [],
    )

def _impl(ctx):
    tool_paths = [
        # Bazel runs the "gcc" tool for compiling and linking alike. g++ links libstdc++ (and,
        # with -static, the C++ runtime's dependencies in the right order); C sources are
        # compiled as C by "-x c" (default_compile_flags).
        tool_path(name = "gcc", path = _PREFIX + "g++-posix"),
        tool_path(name = "g++", path = _PREFIX + "g++-posix"),
        tool_path(name = "cpp", path = _PREFIX + "cpp-posix"),
        tool_path(name = "ld", path = _PREFIX + "ld"),
        tool_path(name = "ar", path = _PREFIX + "ar"),
        tool_path(name = "nm", path = _PREFIX + "nm"),
        tool_path(name = "objcopy", path = _PREFIX + "objcopy"),
        tool_path(name = "objdump", path = _PREFIX + "objdump"),
        tool_path(name = "strip", path = _PREFIX + "strip"),
        tool_path(name = "gcov", path = _PREFIX + "gcov-posix"),
        tool_path(name = "dwp", path = "/bin/false"),
        tool_path(name = "llvm-cov", path = "/bin/false"),
    ]

    features = [
        # Tells Bazel's C++ rules that the target is Windows (import libraries, .dll names, ...).
        feature(name = "targets_windows", enabled = True),
        # Compilation modes: Bazel enables the feature named like --compilation_mode.
        feature(name = "dbg"),
        feature(name = "opt"),
        feature(name = "fastbuild"),
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [
                _flags(_C_COMPILE + _CXX_COMPILE, [
                    # Keep paths relative to the execroot in .d files and diagnostics.
                    "-no-canonical-prefixes",
                    "-fno-canonical-system-headers",
                    # Reproducible: no build time in the objects.
                    "-Wno-builtin-macro-redefined",
                    "-D__DATE__=\"redacted\"",
                    "-D__TIMESTAMP__=\"redacted\"",
                    "-D__TIME__=\"redacted\"",
                ]),
                _flags([ACTION_NAMES.c_compile], ["-x", "c"]),
                _flags(_CXX_COMPILE, ["-std=c++20"]),
                _flags(_C_COMPILE + _CXX_COMPILE, ["-g"], ["dbg"]),
                _flags(_C_COMPILE + _CXX_COMPILE, [
                    "-g0",
                    "-O2",
                    "-DNDEBUG",
                    "-ffunction-sections",
                    "-fdata-sections",
                ], ["opt"]),
            ],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [
                _flags(_LINK, [
                    "-no-canonical-prefixes",
                    # One self-contained .exe: no libstdc++-6.dll, libgcc_s_seh-1.dll or
                    # libwinpthread-1.dll needed at run time.
                    "-static",
                ]),
                _flags(_LINK, ["-Wl,--gc-sections"], ["opt"]),
            ],
        ),
    ]

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        artifact_name_patterns = [
            artifact_name_pattern(category_name = "executable", prefix = "", extension = ".exe"),
            artifact_name_pattern(category_name = "dynamic_library", prefix = "", extension = ".dll"),
        ],
        cxx_builtin_include_directories = [
            "/usr/lib/gcc/x86_64-w64-mingw32/12-posix/include",
            "/usr/lib/gcc/x86_64-w64-mingw32/12-posix/include-fixed",
            "/usr/lib/gcc/x86_64-w64-mingw32/12-posix/include/c++",
            "/usr/x86_64-w64-mingw32/include",
            "/usr/share/mingw-w64/include",
        ],
        toolchain_identifier = "mingw-w64-x86_64-posix-gcc12",
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-w64-mingw32",
        target_cpu = "x64_windows",
        target_libc = "msvcrt",
        compiler = "mingw-gcc",
        abi_version = "mingw-w64",
        abi_libc_version = "msvcrt",
        tool_paths = tool_paths,
    )

mingw_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
