// daemoniker/detail/config.hpp — what every public header needs first: C++20. Below it, one
// error names the flag to set, instead of hundreds from the first concept or designated
// initializer a C++17 compiler meets.
#pragma once

#if defined(_MSVC_LANG)
#define DAEMONIKER_CPLUSPLUS _MSVC_LANG
#else
#define DAEMONIKER_CPLUSPLUS __cplusplus
#endif

#if DAEMONIKER_CPLUSPLUS < 202002L
#error "daemoniker needs C++20: Bazel: build --cxxopt=-std=c++20 (in .bazelrc); CMake: set(CMAKE_CXX_STANDARD 20), or link daemoniker::daemoniker (it requires cxx_std_20); pkg-config or plain g++/clang++: -std=c++20"
// The error above is the only one: a missing header is fatal, so compilation stops here.
#include <daemoniker-stops-here-because-it-needs-cpp20>
#endif
