// daemoniker/serialize.hpp — how preserved arguments cross a re-launch (Windows, and the
// re-exec handoff on POSIX), with no line of user code.
//
//     struct config { int port; std::string name; std::vector<std::filesystem::path> roots; };
//     std::string bytes = daemoniker::encode_payload(cfg, 42);
//     std::string error;
//     auto back = daemoniker::decode_payload<config, int>(bytes, error);  // std::optional
//
// Supported, recursively: bool, arithmetic types, enums, std::string (and other
// std::basic_string), std::filesystem::path, std::chrono::duration, std::vector, std::array,
// std::optional, std::map, std::pair, std::tuple — and any aggregate struct, whose fields
// Boost.PFR reflects one by one (PFR cannot reflect C-array fields: use std::array). Anything else fails to compile with a message naming
// the type and the fix: make it an aggregate, or specialize daemoniker::serializer<T>:
//
//     template <> struct daemoniker::serializer<socket_address> {
//       static void write(daemoniker::payload_writer& w, const socket_address& a) {
//         daemoniker::write_value(w, a.to_string());
//       }
//       static bool read(daemoniker::payload_reader& r, socket_address& a) {
//         std::string s;
//         return daemoniker::read_value(r, s) && a.parse(s);
//       }
//     };
//
// The format is versioned and length-checked: a frame starts with a magic number, a version,
// a fingerprint of the encoded types (so a payload meant for other types is refused) and the
// body's length. Decoding a truncated, oversized or corrupt frame yields an error, never
// undefined behaviour, and never allocates more than the frame's length justifies.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>

namespace daemoniker {

/// Customization point: specialize with `static void write(payload_writer&, const T&)` and
/// `static bool read(payload_reader&, T&)` for a type that is neither supported nor an aggregate.
template <class T>
struct serializer;

/// Appends encoded values.
class payload_writer {
 public:
  void bytes(const void* data, std::size_t n) {
    out_.append(static_cast<const char*>(data), n);
  }
  std::string& str() noexcept { return out_; }

 private:
  std::string out_;
};

/// Consumes encoded values; once a read failed, every later read fails too.
class payload_reader {
 public:
  explicit payload_reader(std::string_view in) noexcept : in_(in) {}
  [[nodiscard]] bool bytes(void* data, std::size_t n) noexcept {
    if (!ok_ || n > in_.size()) return fail();
    if (n != 0) std::memcpy(data, in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  [[nodiscard]] std::size_t remaining() const noexcept { return in_.size(); }
  [[nodiscard]] bool ok() const noexcept { return ok_; }
  bool fail() noexcept {
    ok_ = false;
    return false;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

namespace detail {

template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_std_array : std::false_type {};
template <class T, std::size_t N> struct is_std_array<std::array<T, N>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_map : std::false_type {};
template <class K, class V, class C, class A> struct is_map<std::map<K, V, C, A>> : std::true_type {};
template <class T> struct is_pair : std::false_type {};
template <class A, class B> struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... T> struct is_tuple<std::tuple<T...>> : std::true_type {};
template <class T> struct is_string : std::false_type {};
template <class C, class Tr, class A> struct is_string<std::basic_string<C, Tr, A>> : std::true_type {};
template <class T> struct is_duration : std::false_type {};
template <class R, class P> struct is_duration<std::chrono::duration<R, P>> : std::true_type {};

template <class T>
concept has_serializer = requires { sizeof(serializer<T>); };

template <class T>
inline constexpr bool dependent_false = false;

/// A lower bound of the bytes one T takes when encoded: bounds the element count a length
/// prefix may claim, so a hostile prefix cannot make us allocate more than the frame justifies.
template <class T>
constexpr std::size_t min_size();

template <class T, std::size_t... I>
constexpr std::size_t min_size_of_fields(std::index_sequence<I...>) {
  return (std::size_t{0} + ... + min_size<boost::pfr::tuple_element_t<I, T>>());
}

template <class T>
constexpr std::size_t min_size() {
  if constexpr (has_serializer<T>) return 0;
  else if constexpr (std::is_same_v<T, bool>) return 1;
  else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) return sizeof(T);
  else if constexpr (is_duration<T>::value) return sizeof(typename T::rep);
  else if constexpr (is_string<T>::value || std::is_same_v<T, std::filesystem::path> ||
                     is_vector<T>::value || is_map<T>::value) return 8;
  else if constexpr (is_optional<T>::value) return 1;
  else if constexpr (is_std_array<T>::value) return std::tuple_size_v<T> * min_size<typename T::value_type>();
  else if constexpr (std::is_array_v<T>) return std::extent_v<T> * min_size<std::remove_extent_t<T>>();
  else if constexpr (is_pair<T>::value) return min_size<typename T::first_type>() + min_size<typename T::second_type>();
  else if constexpr (is_tuple<T>::value) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... + min_size<std::tuple_element_t<I, T>>());
    }(std::make_index_sequence<std::tuple_size_v<T>>());
  } else if constexpr (std::is_aggregate_v<T>) {
    return min_size_of_fields<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>());
  } else {
    return 0;
  }
}

inline void write_length(payload_writer& w, std::size_t n) {
  const std::uint64_t v = n;
  w.bytes(&v, sizeof v);
}

// Reads a count of elements that take at least `min_each` bytes each.
inline bool read_count(payload_reader& r, std::size_t min_each, std::size_t& n) noexcept {
  std::uint64_t v = 0;
  if (!r.bytes(&v, sizeof v)) return false;
  if (v > r.remaining() / (min_each == 0 ? 1 : min_each)) return r.fail();
  n = static_cast<std::size_t>(v);
  return true;
}

}  // namespace detail

template <class T>
void write_value(payload_writer& w, const T& value);
template <class T>
bool read_value(payload_reader& r, T& value);

template <class T>
void write_value(payload_writer& w, const T& value) {
  using namespace detail;
  if constexpr (has_serializer<T>) {
    serializer<T>::write(w, value);
  } else if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t b = value ? 1 : 0;
    w.bytes(&b, 1);
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    w.bytes(&value, sizeof value);
  } else if constexpr (is_duration<T>::value) {
    write_value(w, value.count());
  } else if constexpr (is_string<T>::value) {
    write_length(w, value.size());
    w.bytes(value.data(), value.size() * sizeof(typename T::value_type));
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    write_value(w, value.native());
  } else if constexpr (is_vector<T>::value || is_map<T>::value) {
    write_length(w, value.size());
    for (const auto& element : value) write_value(w, element);
  } else if constexpr (is_std_array<T>::value || std::is_array_v<T>) {
    for (const auto& element : value) write_value(w, element);
  } else if constexpr (is_optional<T>::value) {
    write_value(w, value.has_value());
    if (value) write_value(w, *value);
  } else if constexpr (is_pair<T>::value) {
    write_value(w, value.first);
    write_value(w, value.second);
  } else if constexpr (is_tuple<T>::value) {
    std::apply([&](const auto&... e) { (write_value(w, e), ...); }, value);
  } else if constexpr (std::is_aggregate_v<T>) {
    boost::pfr::for_each_field(value, [&](const auto& field) { write_value(w, field); });
  } else {
    static_assert(dependent_false<T>,
                  "daemoniker: this type cannot cross a re-launch (Windows, or the re-exec "
                  "handoff): make it an aggregate (a struct with public members and no "
                  "constructors), or specialize daemoniker::serializer<T> — see "
                  "daemoniker/serialize.hpp");
  }
}

template <class T>
bool read_value(payload_reader& r, T& value) {
  using namespace detail;
  if constexpr (has_serializer<T>) {
    return serializer<T>::read(r, value) || r.fail();
  } else if constexpr (std::is_same_v<T, bool>) {
    std::uint8_t b = 0;
    if (!r.bytes(&b, 1)) return false;
    if (b > 1) return r.fail();
    value = b == 1;
    return true;
  } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
    return r.bytes(&value, sizeof value);
  } else if constexpr (is_duration<T>::value) {
    typename T::rep count{};
    if (!read_value(r, count)) return false;
    value = T(count);
    return true;
  } else if constexpr (is_string<T>::value) {
    std::size_t n = 0;
    if (!read_count(r, sizeof(typename T::value_type), n)) return false;
    value.resize(n);
    return r.bytes(value.data(), n * sizeof(typename T::value_type));
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    std::filesystem::path::string_type s;
    if (!read_value(r, s)) return false;
    value = std::move(s);
    return true;
  } else if constexpr (is_vector<T>::value) {
    std::size_t n = 0;
    if (!read_count(r, min_size<typename T::value_type>(), n)) return false;
    value.clear();
    value.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      typename T::value_type element{};
      if (!read_value(r, element)) return false;
      value.push_back(std::move(element));
    }
    return true;
  } else if constexpr (is_map<T>::value) {
    using K = typename T::key_type;
    using V = typename T::mapped_type;
    std::size_t n = 0;
    if (!read_count(r, min_size<K>() + min_size<V>(), n)) return false;
    value.clear();
    for (std::size_t i = 0; i < n; ++i) {
      K k{};
      V v{};
      if (!read_value(r, k) || !read_value(r, v)) return false;
      if (!value.emplace(std::move(k), std::move(v)).second) return r.fail();  // duplicate key
    }
    return true;
  } else if constexpr (is_std_array<T>::value || std::is_array_v<T>) {
    for (auto& element : value) {
      if (!read_value(r, element)) return false;
    }
    return true;
  } else if constexpr (is_optional<T>::value) {
    bool present = false;
    if (!read_value(r, present)) return false;
    if (!present) {
      value.reset();
      return true;
    }
    typename T::value_type inner{};
    if (!read_value(r, inner)) return false;
    value = std::move(inner);
    return true;
  } else if constexpr (is_pair<T>::value) {
    return read_value(r, value.first) && read_value(r, value.second);
  } else if constexpr (is_tuple<T>::value) {
    return std::apply([&](auto&... e) { return (read_value(r, e) && ...); }, value);
  } else if constexpr (std::is_aggregate_v<T>) {
    bool ok = true;
    boost::pfr::for_each_field(value, [&](auto& field) { ok = ok && read_value(r, field); });
    return ok;
  } else {
    static_assert(dependent_false<T>,
                  "daemoniker: this type cannot cross a re-launch (Windows, or the re-exec "
                  "handoff): make it an aggregate (a struct with public members and no "
                  "constructors), or specialize daemoniker::serializer<T> — see "
                  "daemoniker/serialize.hpp");
    return false;
  }
}

namespace detail {

inline constexpr std::uint32_t kPayloadMagic = 0x504b4d44;  // "DMKP"
inline constexpr std::uint32_t kPayloadVersion = 1;

// FNV-1a of the compiler's spelling of the types: the same in the invoking process and in the
// re-launched one (the same executable), different for other types.
template <class... T>
constexpr std::uint64_t type_fingerprint() {
#if defined(__GNUC__) || defined(__clang__)
  constexpr std::string_view name = __PRETTY_FUNCTION__;
#else
  constexpr std::string_view name = __FUNCSIG__;
#endif
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

struct frame_header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint64_t fingerprint;
  std::uint64_t body_size;
};

}  // namespace detail

/// Encodes `values` into one self-describing frame.
template <class... T>
std::string encode_payload(const T&... values) {
  payload_writer body;
  (write_value(body, values), ...);
  const detail::frame_header h{detail::kPayloadMagic, detail::kPayloadVersion,
                               detail::type_fingerprint<std::remove_cvref_t<T>...>(),
                               body.str().size()};
  std::string out(reinterpret_cast<const char*>(&h), sizeof h);
  out += body.str();
  return out;
}

/// The size of the frame at the start of `bytes`, or 0 when there is no whole frame there.
inline std::size_t payload_frame_size(std::string_view bytes) noexcept {
  detail::frame_header h{};
  if (bytes.size() < sizeof h) return 0;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.magic != detail::kPayloadMagic || h.body_size > bytes.size() - sizeof h) return 0;
  return sizeof h + static_cast<std::size_t>(h.body_size);
}

/// Decodes one frame made by encode_payload<T...>; on failure returns nothing and says why.
template <class... T>
std::optional<std::tuple<T...>> decode_payload(std::string_view bytes, std::string& error) {
  static_assert((std::is_default_constructible_v<T> && ...),
                "daemoniker: a value that crosses a re-launch is rebuilt in the daemon, so its "
                "type must be default-constructible (or wrapped in std::optional)");
  detail::frame_header h{};
  if (bytes.size() < sizeof h) {
    error = "the handoff payload is truncated (" + std::to_string(bytes.size()) + " bytes)";
    return std::nullopt;
  }
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.magic != detail::kPayloadMagic) {
    error = "the handoff payload is not daemoniker's (bad magic number)";
    return std::nullopt;
  }
  if (h.version != detail::kPayloadVersion) {
    error = "the handoff payload has format version " + std::to_string(h.version) +
            ", this program reads version " + std::to_string(detail::kPayloadVersion);
    return std::nullopt;
  }
  if (h.fingerprint != detail::type_fingerprint<T...>()) {
    error = "the handoff payload holds other types than this daemonize() call preserves "
            "(was the daemon re-launched into a different call?)";
    return std::nullopt;
  }
  if (h.body_size != bytes.size() - sizeof h) {
    error = "the handoff payload's length does not match its header";
    return std::nullopt;
  }
  payload_reader r(bytes.substr(sizeof h));
  std::tuple<T...> values{};
  const bool ok = std::apply([&](auto&... v) { return (read_value(r, v) && ...); }, values);
  if (!ok || r.remaining() != 0) {
    error = ok ? "the handoff payload has trailing bytes" : "the handoff payload is corrupt";
    return std::nullopt;
  }
  return values;
}

}  // namespace daemoniker
