// The type lists the payload fuzzer decodes, and valid sample values of each (the seed corpus).
// Shared by payload_fuzzer.cc (libFuzzer, clang), make_corpus.cc (writes the seeds) and
// replay_test.cc (the same inputs plus deterministic mutations, in every Bazel run).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <daemoniker/plan.hpp>
#include <daemoniker/serialize.hpp>

namespace daemoniker::fuzz {

enum class color : std::uint8_t { red = 1, green = 7 };

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct limits {
  std::optional<std::chrono::milliseconds> timeout;
  std::array<std::int32_t, 3> retries{};
  std::vector<std::optional<endpoint>> fallbacks;  // 1 byte per absent element: the densest
};

// A nested aggregate with every container the codec supports.
struct settings {
  int workers = 0;
  double ratio = 0;
  color tint = color::red;
  std::filesystem::path root;
  std::vector<endpoint> upstreams;
  std::optional<endpoint> admin;
  std::map<std::string, std::vector<int>> tables;
  std::map<int, std::optional<std::vector<std::string>>> aliases;
  std::pair<int, std::string> tag;
  std::tuple<bool, long long, limits> extra;
  std::vector<std::vector<std::filesystem::path>> roots;
};

/// The first input byte picks the type list (low 2 bits) and whether the fuzzer writes a valid
/// header for the rest (bit 2: reach the body decoders instead of stopping at the fingerprint).
enum : std::uint8_t { kHandoff = 0, kSettings = 1, kArgs = 2, kMaps = 3, kFixHeader = 4 };

inline plan sample_plan(int variant) {
  plan p;
  p.pid_file = "/run/app.pid";
  p.chdir = variant == 0 ? "/" : "/srv/with space/ünï";
  p.stdin_goto = "/dev/null";
  p.stdout_goto = "/var/log/app.log";
  p.stderr_goto = variant == 0 ? "/var/log/app.log" : "";
  p.umask = variant == 0 ? 027 : 0777;
  p.shielded_fds = variant == 0 ? std::vector<int>{} : std::vector<int>{3, 7, 1000};
  p.fd_fallback_limit = 1024;
  p.success_timeout = std::chrono::milliseconds(variant == 0 ? 30000 : 1);
  p.strip_cmd_args = variant != 0;
  p.keeps_caller_stdio = variant == 2;
  return p;
}

inline settings sample_settings(int variant) {
  settings s;
  s.workers = 8 * variant;
  s.ratio = 0.25;
  s.tint = color::green;
  s.root = "/srv/data";
  if (variant > 0) {
    s.upstreams = {{"alpha", 80}, {"", 0}, {"beta.local", 65535}};
    s.admin = endpoint{"127.0.0.1", 9000};
    s.tables = {{"a", {1, 2, 3}}, {"", {}}, {"z", {-1}}};
    s.aliases = {{1, std::nullopt}, {2, std::vector<std::string>{"x", "yy"}}};
    s.tag = {-3, "tag"};
    s.extra = {true, -9000000000LL,
               limits{std::chrono::milliseconds(1500), {1, 2, 3}, {std::nullopt, endpoint{"h", 1}}}};
    s.roots = {{"/a", "/b"}, {}, {"relative"}};
  }
  return s;
}

/// Valid inputs for the fuzzer: selector byte + frame(s).
inline std::vector<std::string> seed_inputs() {
  std::vector<std::string> out;
  auto add = [&](std::uint8_t selector, const std::string& frames) {
    out.push_back(std::string(1, static_cast<char>(selector)) + frames);
    // The same, with the header to be rewritten by the fuzzer: the body alone matters.
    out.push_back(std::string(1, static_cast<char>(selector | kFixHeader)) + frames);
  };
  for (int v = 0; v < 3; ++v) {
    add(kHandoff, encode_payload(sample_plan(v)) +
                      encode_payload(v, std::string(v * 3, 'a'), std::vector<std::string>(v, "s")));
    add(kSettings, encode_payload(sample_settings(v)));
    add(kArgs, encode_payload(v, std::string(v * 5, 'b'), std::vector<std::string>(v, "arg")));
    add(kMaps, encode_payload(std::map<std::string, std::string>{{"k", std::string(v, 'v')}},
                              v == 1 ? std::nullopt
                                     : std::optional<std::vector<std::filesystem::path>>(
                                           std::vector<std::filesystem::path>(v, "/p")),
                              v == 2));
  }
  return out;
}

}  // namespace daemoniker::fuzz
