// libFuzzer target over daemoniker::decode_payload, the decoder of the preserved-argument
// handoff (Windows, and reexec_handoff on POSIX). Properties checked on every input:
//   - no crash, no undefined behaviour, no leak (ASan/UBSan/LSan when built by tools/fuzz.sh);
//   - no allocation bigger than the input justifies: every single allocation made while
//     decoding is at most kAmplification bytes per input byte (plus a small constant), and
//     -malloc_limit_mb catches anything absolute;
//   - a frame that decodes re-encodes canonically: encode(decode(encode(decode(x)))) equals
//     encode(decode(x)), and payload_frame_size agrees with the frame's length.
//
// tools/fuzz.sh builds it with clang++ -fsanitize=fuzzer,address,undefined and runs it; the
// Bazel target //tests/fuzz:payload_replay_test links the same function with a driver that feeds
// it the seeds and their deterministic mutations, so it runs with GCC, MinGW and in every config.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "tests/fuzz/payload_types.hpp"

namespace {

// Bytes per input byte any one allocation may take: sizeof(T) / min_size(T) of the densest type
// here (std::optional<endpoint>, 1 encoded byte, ~48 bytes in memory), with room to spare.
constexpr std::size_t kAmplification = 256;
constexpr std::size_t kSlack = 4096;

// Armed only while decoding: the largest single allocation seen.
std::size_t armed_limit = 0;
std::size_t largest = 0;

void* allocate(std::size_t n) {
  if (armed_limit != 0) {
    if (n > largest) largest = n;
    if (n > armed_limit) {
      std::fprintf(stderr, "payload_fuzzer: an allocation of %zu bytes while decoding an input "
                           "that justifies at most %zu\n", n, armed_limit);
      std::abort();
    }
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

struct arm {
  explicit arm(std::size_t input) { armed_limit = input * kAmplification + kSlack; }
  ~arm() { armed_limit = 0; }
  arm(const arm&) = delete;
  arm& operator=(const arm&) = delete;
};

template <class... T>
void check(std::string_view frame) {
  std::string error;
  std::optional<std::tuple<T...>> values;
  {
    arm guard(frame.size());
    values = daemoniker::decode_payload<T...>(frame, error);
  }
  if (!values) {
    if (error.empty()) {
      std::fprintf(stderr, "payload_fuzzer: refused without a reason\n");
      std::abort();
    }
    return;
  }
  if (daemoniker::payload_frame_size(frame) != frame.size()) {
    std::fprintf(stderr, "payload_fuzzer: decoded, but payload_frame_size disagrees\n");
    std::abort();
  }
  const std::string once = std::apply(
      [](const auto&... v) { return daemoniker::encode_payload(v...); }, *values);
  std::string again_error;
  const auto again = daemoniker::decode_payload<T...>(once, again_error);
  if (!again) {
    std::fprintf(stderr, "payload_fuzzer: a re-encoded frame does not decode: %s\n",
                 again_error.c_str());
    std::abort();
  }
  const std::string twice = std::apply(
      [](const auto&... v) { return daemoniker::encode_payload(v...); }, *again);
  if (once != twice) {
    std::fprintf(stderr, "payload_fuzzer: encoding is not canonical after a round trip\n");
    std::abort();
  }
}

// Rewrites the header of `body` so that it is valid for T...: the fuzzer then explores the body.
template <class... T>
std::string with_header(std::string_view body) {
  return daemoniker::detail::frame(daemoniker::detail::type_fingerprint<T...>(), body);
}

// The header's size: the frame of an empty body (the layout is the library's own business).
std::size_t header_size() {
  static const std::size_t size = daemoniker::detail::frame(0, {}).size();
  return size;
}

template <class... T>
void run(std::string_view data, bool fix_header) {
  if (!fix_header) return check<T...>(data);
  const std::size_t skip = std::min(data.size(), header_size());
  check<T...>(with_header<T...>(data.substr(skip)));
}

}  // namespace

// Every allocation the decoder can make passes through here (over-aligned forms are left to the
// runtime: no type decoded here needs them). Plain and nothrow forms both use malloc/free, so
// they pair with each other whoever allocated.
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

/// The largest single allocation made while decoding, so far (for the replay test's report).
std::size_t payload_fuzzer_largest_allocation() { return largest; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace daemoniker;
  using namespace daemoniker::fuzz;
  if (size == 0) return 0;
  const std::uint8_t selector = bytes[0];
  const std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  const bool fix = (selector & kFixHeader) != 0;
  switch (selector & 3) {
    case kHandoff: {
      // What the re-launched daemon does: a plan frame, then the arguments' frame.
      const std::size_t plan_size = payload_frame_size(data);
      if (fix) {
        run<plan>(data, true);
        run<int, std::string, std::vector<std::string>>(data, true);
        break;
      }
      if (plan_size == 0) break;
      check<plan>(data.substr(0, plan_size));
      check<int, std::string, std::vector<std::string>>(data.substr(plan_size));
      break;
    }
    case kSettings:
      run<settings>(data, fix);
      break;
    case kArgs:
      run<int, std::string, std::vector<std::string>>(data, fix);
      break;
    case kMaps:
      run<std::map<std::string, std::string>, std::optional<std::vector<std::filesystem::path>>,
          bool>(data, fix);
      break;
  }
  return 0;
}
