// daemoniker/version.hpp — the release of daemoniker, defined here once. The build files read it
// (CMakeLists.txt parses these lines; MODULE.bazel and daemoniker.pc are checked against them
// by //tests/release), and `daemoniker --version` prints DAEMONIKER_VERSION.
#pragma once

#include "daemoniker/detail/config.hpp"

#define DAEMONIKER_VERSION_MAJOR 0
#define DAEMONIKER_VERSION_MINOR 1
#define DAEMONIKER_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH".
#define DAEMONIKER_VERSION "0.1.0"

namespace daemoniker {
/// The version as a number, MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons too.
inline constexpr int version =
    DAEMONIKER_VERSION_MAJOR * 10000 + DAEMONIKER_VERSION_MINOR * 100 + DAEMONIKER_VERSION_PATCH;
}  // namespace daemoniker
