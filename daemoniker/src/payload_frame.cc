// The frame around an encoded payload (daemoniker/serialize.hpp): a fixed header — magic
// number, format version, the fingerprint of the encoded types, the body's length — then the
// body. Kept out of the public header so that the wire layout is this file's alone.
// Both platforms: the re-launch on Windows and reexec_handoff on POSIX carry the same frames.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "daemoniker/serialize.hpp"

namespace daemoniker {
namespace {

constexpr std::uint32_t kPayloadMagic = 0x504b4d44;  // "DMKP"
constexpr std::uint32_t kPayloadVersion = 1;

// In the host's byte order: both ends are the same executable on the same machine.
struct frame_header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint64_t fingerprint;
  std::uint64_t body_size;
};
static_assert(sizeof(frame_header) == 24, "the frame header has no padding");

// The header at the start of `bytes`, when `bytes` is long enough to hold one.
std::optional<frame_header> read_header(std::string_view bytes) noexcept {
  frame_header h{};
  if (bytes.size() < sizeof h) return std::nullopt;
  std::memcpy(&h, bytes.data(), sizeof h);
  return h;
}

// Why a frame made for other types, or by another version, cannot be decoded here; "" if it can.
std::string refusal(const frame_header& h, std::size_t size, std::uint64_t fingerprint) {
  if (h.magic != kPayloadMagic) return "the handoff payload is not daemoniker's (bad magic number)";
  if (h.version != kPayloadVersion) {
    return "the handoff payload has format version " + std::to_string(h.version) +
           ", this program reads version " + std::to_string(kPayloadVersion);
  }
  if (h.fingerprint != fingerprint) {
    return "the handoff payload holds other types than this daemonize() call preserves "
           "(was the daemon re-launched into a different call?)";
  }
  if (h.body_size != size - sizeof h) return "the handoff payload's length does not match its header";
  return {};
}

}  // namespace

std::size_t payload_frame_size(std::string_view bytes) noexcept {
  const std::optional<frame_header> h = read_header(bytes);
  if (!h || h->magic != kPayloadMagic || h->body_size > bytes.size() - sizeof *h) return 0;
  return sizeof *h + static_cast<std::size_t>(h->body_size);
}

namespace detail {

std::string frame(std::uint64_t fingerprint, std::string_view body) {
  const frame_header h{kPayloadMagic, kPayloadVersion, fingerprint, body.size()};
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  out.append(body);
  return out;
}

std::optional<std::string_view> unframe(std::string_view bytes, std::uint64_t fingerprint,
                                        std::string& error) {
  const std::optional<frame_header> h = read_header(bytes);
  if (!h) {
    error = "the handoff payload is truncated (" + std::to_string(bytes.size()) + " bytes)";
    return std::nullopt;
  }
  if (std::string why = refusal(*h, bytes.size(), fingerprint); !why.empty()) {
    error = std::move(why);
    return std::nullopt;
  }
  return bytes.substr(sizeof *h);
}

}  // namespace detail
}  // namespace daemoniker
