// The payload fuzzer's function, run in every Bazel configuration (GCC, MinGW under Wine, the
// sanitizer run) on its seeds and on deterministic mutations of them: every truncation, and
// each byte replaced by 0x00, 0xff, itself ^ 0x01 and ^ 0x80. A finding aborts the test.
// tools/fuzz.sh does the real, coverage-guided fuzzing with clang's libFuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "tests/fuzz/payload_types.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size);
std::size_t payload_fuzzer_largest_allocation();

namespace {

void feed(const std::string& s) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

TEST(PayloadReplay, SeedsDecodeAndNoMutationCrashesOrOverAllocates) {
  const auto seeds = daemoniker::fuzz::seed_inputs();
  long inputs = 0;
  for (const std::string& seed : seeds) {
    feed(seed);
    ++inputs;
    for (std::size_t n = 0; n < seed.size(); ++n, ++inputs) feed(seed.substr(0, n));
    for (std::size_t at = 1; at < seed.size(); ++at) {
      const auto c = static_cast<unsigned char>(seed[at]);
      for (const unsigned char b : {0x00, 0xff, c ^ 0x01, c ^ 0x80}) {
        std::string m = seed;
        m[at] = static_cast<char>(b);
        feed(m);
        ++inputs;
      }
    }
  }
  std::printf("FIGURES payload_replay seeds=%zu inputs=%ld largest_allocation=%zu\n",
              seeds.size(), inputs, payload_fuzzer_largest_allocation());
  RecordProperty("inputs", std::to_string(inputs));
}

TEST(PayloadReplay, EverySeedIsAValidFrame) {
  using namespace daemoniker;
  std::string error;
  EXPECT_TRUE((decode_payload<fuzz::settings>(encode_payload(fuzz::sample_settings(1)), error)))
      << error;
  EXPECT_TRUE((decode_payload<plan>(encode_payload(fuzz::sample_plan(1)), error))) << error;
}

}  // namespace
