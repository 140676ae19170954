// The payload codec that carries preserved arguments across a re-launch: every supported kind
// round-trips, including nested aggregates reflected by Boost.PFR; hostile frames (truncated,
// oversized, corrupt, meant for other types) are refused with a message, never a crash or an
// allocation larger than the frame.
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/serialize.hpp>

namespace daemoniker {
namespace {

using ::testing::HasSubstr;

enum class color : std::uint8_t { red = 1, green = 7 };

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const endpoint&) const = default;
};

struct settings {
  int workers = 0;
  double ratio = 0;
  color tint = color::red;
  std::filesystem::path root;
  std::vector<endpoint> upstreams;
  std::optional<endpoint> admin;
  std::map<std::string, std::vector<int>> tables;
  std::array<char, 3> code{};
  std::chrono::milliseconds grace{};
  std::pair<int, std::string> tag;
  std::tuple<bool, long long> flags;
  bool operator==(const settings& o) const {
    return workers == o.workers && ratio == o.ratio && tint == o.tint && root == o.root &&
           upstreams == o.upstreams && admin == o.admin && tables == o.tables &&
           code == o.code && grace == o.grace && tag == o.tag && flags == o.flags;
  }
};

settings sample() {
  settings s;
  s.workers = 8;
  s.ratio = 0.25;
  s.tint = color::green;
  s.root = "/srv/data with spaces/ünï";
  s.upstreams = {{"alpha", 80}, {"", 0}, {"beta.local", 65535}};
  s.admin = endpoint{"127.0.0.1", 9000};
  s.tables = {{"a", {1, 2, 3}}, {"", {}}, {"z", {-1}}};
  s.code = {'x', '\0', 'y'};
  s.grace = std::chrono::milliseconds(1500);
  s.tag = {-3, "tag"};
  s.flags = {true, -9000000000LL};
  return s;
}

TEST(Serialize, EverySupportedKindRoundTripsIncludingNestedAggregates) {
  const settings s = sample();
  const std::string bytes = encode_payload(s, 42, std::string("x"), std::optional<int>{});
  std::string error;
  const auto back = decode_payload<settings, int, std::string, std::optional<int>>(bytes, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(std::get<0>(*back), s);
  EXPECT_EQ(std::get<1>(*back), 42);
  EXPECT_EQ(std::get<2>(*back), "x");
  EXPECT_FALSE(std::get<3>(*back).has_value());
  EXPECT_EQ(payload_frame_size(bytes), bytes.size());
}

TEST(Serialize, NoArgumentsIsAValidPayload) {
  std::string error;
  EXPECT_TRUE(decode_payload<>(encode_payload(), error)) << error;
}

TEST(Serialize, APayloadForOtherTypesIsRefused) {
  std::string error;
  EXPECT_FALSE((decode_payload<int, int>(encode_payload(1, 2L), error)));
  EXPECT_THAT(error, HasSubstr("other types"));
}

TEST(Serialize, EveryTruncationIsAnErrorNotACrash) {
  const std::string bytes = encode_payload(sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::string error;
    EXPECT_FALSE(decode_payload<settings>(std::string_view(bytes).substr(0, n), error)) << n;
    EXPECT_FALSE(error.empty());
  }
}

TEST(Serialize, FlippedBytesNeverCrash) {
  const std::string bytes = encode_payload(sample());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(corrupt[i] ^ mask);
      std::string error;
      (void)decode_payload<settings>(corrupt, error);  // any outcome but a crash is fine
    }
  }
}

TEST(Serialize, AHugeLengthPrefixIsRefusedWithoutAllocatingIt) {
  std::string bytes = encode_payload(std::vector<std::string>{"a"});
  // The element count sits right after the 24-byte header: claim 2^60 elements.
  const std::uint64_t huge = 1ULL << 60;
  std::memcpy(bytes.data() + 24, &huge, sizeof huge);
  std::string error;
  EXPECT_FALSE(decode_payload<std::vector<std::string>>(bytes, error));
  EXPECT_THAT(error, HasSubstr("corrupt"));
}

TEST(Serialize, VersionMagicLengthAndTrailingBytesAreChecked) {
  const std::string good = encode_payload(7);
  std::string error;
  std::string bad = good;
  bad[0] = 'X';
  EXPECT_FALSE(decode_payload<int>(bad, error));
  EXPECT_THAT(error, HasSubstr("magic"));
  bad = good;
  bad[4] = 9;
  EXPECT_FALSE(decode_payload<int>(bad, error));
  EXPECT_THAT(error, HasSubstr("format version 9"));
  EXPECT_FALSE(decode_payload<int>(good + "x", error));
  EXPECT_THAT(error, HasSubstr("length"));
}

TEST(Serialize, ABoolOtherThanZeroOrOneAndADuplicateMapKeyAreCorrupt) {
  std::string bytes = encode_payload(true);
  bytes.back() = 2;
  std::string error;
  EXPECT_FALSE(decode_payload<bool>(bytes, error));
  payload_writer w;
  detail::write_length(w, 2);
  for (int i = 0; i < 2; ++i) {
    write_value(w, 5);
    write_value(w, 6);
  }
  payload_reader r(w.str());
  std::map<int, int> m;
  EXPECT_FALSE(read_value(r, m));
}

struct opaque {
  explicit opaque(int v = 0) : value(v) {}
  int value;
};

}  // namespace

template <>
struct serializer<opaque> {
  static void write(payload_writer& w, const opaque& o) { write_value(w, o.value * 2); }
  static bool read(payload_reader& r, opaque& o) {
    int doubled = 0;
    if (!read_value(r, doubled) || doubled % 2 != 0) return false;
    o.value = doubled / 2;
    return true;
  }
};

namespace {

TEST(Serialize, AUserSerializerIsUsedForATypeThatIsNoAggregate) {
  std::string error;
  const auto back = decode_payload<std::vector<opaque>>(
      encode_payload(std::vector<opaque>{opaque(3), opaque(-4)}), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(std::get<0>(*back)[0].value, 3);
  EXPECT_EQ(std::get<0>(*back)[1].value, -4);
}

}  // namespace
}  // namespace daemoniker
