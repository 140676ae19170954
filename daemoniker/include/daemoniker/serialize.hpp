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
//
// Inside: detail::kind_of<T>() is the one place a type is classified, and codec<kind, T> says
// in one place how a kind is written, read and how small it can be; the frame around the body
// is compiled code (daemoniker/src/payload_frame.cc).
#pragma once

#include "daemoniker/detail/config.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iterator>
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

#include "daemoniker/fwd.hpp"

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

template <class T>
void write_value(payload_writer& w, const T& value);
template <class T>
bool read_value(payload_reader& r, T& value);

/// The size of the frame at the start of `bytes`, or 0 when there is no whole frame there.
std::size_t payload_frame_size(std::string_view bytes) noexcept;

namespace detail {

/// The frame around an encoded body: header (magic, version, `fingerprint`, body length), then
/// the body (daemoniker/src/payload_frame.cc).
std::string frame(std::uint64_t fingerprint, std::string_view body);
/// The body of the frame `bytes`, when it is a whole frame of this format made for
/// `fingerprint`; otherwise nothing, and `error` says why.
std::optional<std::string_view> unframe(std::string_view bytes, std::uint64_t fingerprint,
                                        std::string& error);

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

/// How a type is encoded. Supporting another type: a kind, a line in kind_of, a codec.
enum class kind {
  custom,       // a serializer<T> specialization: wins over everything below
  boolean,      // one byte, 0 or 1
  scalar,       // arithmetic types and enums: their bytes
  duration,     // the count
  string,       // std::basic_string: length, then the characters' bytes
  path,         // std::filesystem::path: its native string
  vector,       // length, then the elements
  map,          // length, then the (key, value) pairs; a duplicate key is corrupt
  fixed,        // std::array and C arrays: the elements, no length
  optional,     // a bool, then the value when there is one
  pair,         // first, second
  tuple,        // the elements in order
  aggregate,    // the fields in order, reflected by Boost.PFR
  unsupported,  // fails to compile, with the fix in the message
};

/// The one classification of a type, which encoding, decoding and min_size all follow.
template <class T>
constexpr kind kind_of() {
  if constexpr (has_serializer<T>) return kind::custom;
  else if constexpr (std::is_same_v<T, bool>) return kind::boolean;
  else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) return kind::scalar;
  else if constexpr (is_duration<T>::value) return kind::duration;
  else if constexpr (is_string<T>::value) return kind::string;
  else if constexpr (std::is_same_v<T, std::filesystem::path>) return kind::path;
  else if constexpr (is_vector<T>::value) return kind::vector;
  else if constexpr (is_map<T>::value) return kind::map;
  else if constexpr (is_std_array<T>::value || std::is_array_v<T>) return kind::fixed;
  else if constexpr (is_optional<T>::value) return kind::optional;
  else if constexpr (is_pair<T>::value) return kind::pair;
  else if constexpr (is_tuple<T>::value) return kind::tuple;
  else if constexpr (std::is_aggregate_v<T>) return kind::aggregate;
  else return kind::unsupported;
}

/// How one kind is encoded: `write`, `read` (false once the input is refused), and
/// `min_size()`, a lower bound of the bytes one T takes, which bounds the element count a
/// length prefix may claim (a hostile prefix cannot make us allocate more than the frame
/// justifies).
template <kind K, class T>
struct codec;

template <class T>
using codec_of = codec<kind_of<T>(), T>;

template <class T>
constexpr std::size_t min_size() {
  return codec_of<T>::min_size();
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

// A length, then each element (vectors and maps).
template <class T>
void write_sequence(payload_writer& w, const T& value) {
  write_length(w, value.size());
  for (const auto& element : value) write_value(w, element);
}

template <class T>
struct codec<kind::custom, T> {
  static constexpr std::size_t min_size() { return 0; }
  static void write(payload_writer& w, const T& value) { serializer<T>::write(w, value); }
  static bool read(payload_reader& r, T& value) { return serializer<T>::read(r, value) || r.fail(); }
};

template <class T>
struct codec<kind::boolean, T> {
  static constexpr std::size_t min_size() { return 1; }
  static void write(payload_writer& w, const T& value) {
    const std::uint8_t b = value ? 1 : 0;
    w.bytes(&b, 1);
  }
  static bool read(payload_reader& r, T& value) {
    std::uint8_t b = 0;
    if (!r.bytes(&b, 1)) return false;
    if (b > 1) return r.fail();
    value = b == 1;
    return true;
  }
};

template <class T>
struct codec<kind::scalar, T> {
  static constexpr std::size_t min_size() { return sizeof(T); }
  static void write(payload_writer& w, const T& value) { w.bytes(&value, sizeof value); }
  static bool read(payload_reader& r, T& value) { return r.bytes(&value, sizeof value); }
};

template <class T>
struct codec<kind::duration, T> {
  using rep = typename T::rep;
  static constexpr std::size_t min_size() { return sizeof(rep); }
  static void write(payload_writer& w, const T& value) { write_value(w, value.count()); }
  static bool read(payload_reader& r, T& value) {
    rep count{};
    if (!read_value(r, count)) return false;
    value = T(count);
    return true;
  }
};

template <class T>
struct codec<kind::string, T> {
  using unit = typename T::value_type;
  static constexpr std::size_t min_size() { return 8; }
  static void write(payload_writer& w, const T& value) {
    write_length(w, value.size());
    w.bytes(value.data(), value.size() * sizeof(unit));
  }
  static bool read(payload_reader& r, T& value) {
    std::size_t n = 0;
    if (!read_count(r, sizeof(unit), n)) return false;
    value.resize(n);
    return r.bytes(value.data(), n * sizeof(unit));
  }
};

template <class T>
struct codec<kind::path, T> {
  static constexpr std::size_t min_size() { return 8; }
  static void write(payload_writer& w, const T& value) { write_value(w, value.native()); }
  static bool read(payload_reader& r, T& value) {
    typename T::string_type s;
    if (!read_value(r, s)) return false;
    value = std::move(s);
    return true;
  }
};

template <class T>
struct codec<kind::vector, T> {
  using element = typename T::value_type;
  static constexpr std::size_t min_size() { return 8; }
  static void write(payload_writer& w, const T& value) { write_sequence(w, value); }
  static bool read(payload_reader& r, T& value) {
    std::size_t n = 0;
    if (!read_count(r, detail::min_size<element>(), n)) return false;
    value.clear();
    value.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      element e{};
      if (!read_value(r, e)) return false;
      value.push_back(std::move(e));
    }
    return true;
  }
};

template <class T>
struct codec<kind::map, T> {
  using K = typename T::key_type;
  using V = typename T::mapped_type;
  static constexpr std::size_t min_size() { return 8; }
  static void write(payload_writer& w, const T& value) { write_sequence(w, value); }
  static bool read(payload_reader& r, T& value) {
    std::size_t n = 0;
    if (!read_count(r, detail::min_size<K>() + detail::min_size<V>(), n)) return false;
    value.clear();
    for (std::size_t i = 0; i < n; ++i) {
      K k{};
      V v{};
      if (!read_value(r, k) || !read_value(r, v)) return false;
      if (!value.emplace(std::move(k), std::move(v)).second) return r.fail();  // duplicate key
    }
    return true;
  }
};

// The element count of a std::array or a C array.
template <class T> inline constexpr std::size_t extent_of = std::extent_v<T>;
template <class E, std::size_t N> inline constexpr std::size_t extent_of<std::array<E, N>> = N;

template <class T>
struct codec<kind::fixed, T> {
  using element = std::remove_cvref_t<decltype(*std::begin(std::declval<T&>()))>;
  static constexpr std::size_t min_size() { return extent_of<T> * detail::min_size<element>(); }
  static void write(payload_writer& w, const T& value) {
    for (const auto& e : value) write_value(w, e);
  }
  static bool read(payload_reader& r, T& value) {
    for (auto& e : value) {
      if (!read_value(r, e)) return false;
    }
    return true;
  }
};

template <class T>
struct codec<kind::optional, T> {
  using inner = typename T::value_type;
  static constexpr std::size_t min_size() { return 1; }
  static void write(payload_writer& w, const T& value) {
    write_value(w, value.has_value());
    if (value) write_value(w, *value);
  }
  static bool read(payload_reader& r, T& value) {
    bool present = false;
    if (!read_value(r, present)) return false;
    if (!present) {
      value.reset();
      return true;
    }
    inner v{};
    if (!read_value(r, v)) return false;
    value = std::move(v);
    return true;
  }
};

template <class T>
struct codec<kind::pair, T> {
  static constexpr std::size_t min_size() {
    return detail::min_size<typename T::first_type>() + detail::min_size<typename T::second_type>();
  }
  static void write(payload_writer& w, const T& value) {
    write_value(w, value.first);
    write_value(w, value.second);
  }
  static bool read(payload_reader& r, T& value) {
    return read_value(r, value.first) && read_value(r, value.second);
  }
};

template <class T>
struct codec<kind::tuple, T> {
  static constexpr std::size_t min_size() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... + detail::min_size<std::tuple_element_t<I, T>>());
    }(std::make_index_sequence<std::tuple_size_v<T>>());
  }
  static void write(payload_writer& w, const T& value) {
    std::apply([&](const auto&... e) { (write_value(w, e), ...); }, value);
  }
  static bool read(payload_reader& r, T& value) {
    return std::apply([&](auto&... e) { return (read_value(r, e) && ...); }, value);
  }
};

template <class T>
struct codec<kind::aggregate, T> {
  static constexpr std::size_t min_size() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... + detail::min_size<boost::pfr::tuple_element_t<I, T>>());
    }(std::make_index_sequence<boost::pfr::tuple_size_v<T>>());
  }
  static void write(payload_writer& w, const T& value) {
    boost::pfr::for_each_field(value, [&](const auto& field) { write_value(w, field); });
  }
  static bool read(payload_reader& r, T& value) {
    bool ok = true;
    boost::pfr::for_each_field(value, [&](auto& field) { ok = ok && read_value(r, field); });
    return ok;
  }
};

template <class T>
struct codec<kind::unsupported, T> {
  static_assert(dependent_false<T>,
                "daemoniker: this type cannot cross a re-launch (Windows, or the re-exec "
                "handoff): make it an aggregate (a struct with public members and no "
                "constructors), or specialize daemoniker::serializer<T> — see "
                "daemoniker/serialize.hpp");
  static constexpr std::size_t min_size() { return 0; }
  static void write(payload_writer&, const T&) {}
  static bool read(payload_reader&, T&) { return false; }
};

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

}  // namespace detail

template <class T>
void write_value(payload_writer& w, const T& value) {
  detail::codec_of<T>::write(w, value);
}

template <class T>
bool read_value(payload_reader& r, T& value) {
  return detail::codec_of<T>::read(r, value);
}

/// Encodes `values` into one self-describing frame.
template <class... T>
std::string encode_payload(const T&... values) {
  payload_writer body;
  (write_value(body, values), ...);
  return detail::frame(detail::type_fingerprint<std::remove_cvref_t<T>...>(), body.str());
}

/// Decodes one frame made by encode_payload<T...>; on failure returns nothing and says why.
template <class... T>
std::optional<std::tuple<T...>> decode_payload(std::string_view bytes, std::string& error) {
  static_assert((std::is_default_constructible_v<T> && ...),
                "daemoniker: a value that crosses a re-launch is rebuilt in the daemon, so its "
                "type must be default-constructible (or wrapped in std::optional)");
  const std::optional<std::string_view> body =
      detail::unframe(bytes, detail::type_fingerprint<T...>(), error);
  if (!body) return std::nullopt;
  payload_reader r(*body);
  std::tuple<T...> values{};
  const bool ok = std::apply([&](auto&... v) { return (read_value(r, v) && ...); }, values);
  if (!ok || r.remaining() != 0) {
    error = ok ? "the handoff payload has trailing bytes" : "the handoff payload is corrupt";
    return std::nullopt;
  }
  return values;
}

}  // namespace daemoniker
