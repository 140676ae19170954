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

// DAEMONIKER_POSIX_ONLY(model, fix): on the members of a `posix_only` model that only POSIX
// defines (its sweep, launch, prepare). basic_daemonizer refuses such a model on Windows with a
// static_assert (detail/policy_checks.hpp); a direct call — `close_range_sweep{}.sweep(plan)` —
// would otherwise compile and fail only at link time, as an undefined reference. On Windows it
// is a compile error instead, naming the model and the platform:
//
//   error: call to 'daemoniker::close_range_sweep::sweep(...) const' declared with attribute
//   error: daemoniker: close_range_sweep works on POSIX only, not on Windows: use no_sweep, ...
//
// GCC (so mingw-w64) and clang 14 or later report it when they generate the calling function's
// code — not under -fsyntax-only, and not for a call an optimizer removed (which would not have
// been linked either). The declaration is unchanged otherwise, so the concepts (unevaluated)
// are still satisfied and basic_daemonizer's own message is the one a user of the template
// sees. Elsewhere, and with compilers without the attribute, it expands to nothing.
#if defined(_WIN32) && defined(__has_attribute)
#if __has_attribute(error)
#define DAEMONIKER_POSIX_ONLY(model, fix) \
  __attribute__((error("daemoniker: " model " works on POSIX only, not on Windows: " fix)))
#endif
#endif
#if !defined(DAEMONIKER_POSIX_ONLY)
#define DAEMONIKER_POSIX_ONLY(model, fix)
#endif
