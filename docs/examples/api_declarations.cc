// docs/api.md's declarations of daemonize(): between the snippet markers is its code block, line
// for line (//tests/docs checks it). They are compiled in a namespace of their own, and each
// documented overload must have the type of one of the library's — this test fails to compile
// otherwise. (The second overload's constraint is a comment in the documentation; the library
// states it with a requires-clause.)
#include <filesystem>
#include <string>
#include <tuple>
#include <type_traits>

#include <daemoniker/daemoniker.hpp>

namespace documented {
using daemoniker::options;

// [snippet:daemonize]
template <class... Args>
std::tuple<std::decay_t<Args>...> daemonize(const std::filesystem::path& pid_file,
                                            const options& opts, Args&&... args);
template <class... Args>   // no Args may be an options value
std::tuple<std::decay_t<Args>...> daemonize(const std::filesystem::path& pid_file,
                                            Args&&... args);
// [/snippet:daemonize]
}  // namespace documented

namespace {
// The type of each overload for Args = {int, std::string&}, as in daemonize("a.pid", 8080, name).
using with_options = std::tuple<int, std::string>(const std::filesystem::path&,
                                                  const daemoniker::options&, int&&,
                                                  std::string&);
using without_options = std::tuple<int, std::string>(const std::filesystem::path&, int&&,
                                                     std::string&);

// A static_cast to a function pointer type picks the overload of that type from the set named
// daemonize<int, std::string&>: ill-formed unless the set has one.
template <class F>
concept documented_has = requires { static_cast<F*>(&documented::daemonize<int, std::string&>); };
template <class F>
concept library_has = requires { static_cast<F*>(&daemoniker::daemonize<int, std::string&>); };

static_assert(documented_has<with_options> && library_has<with_options>);
static_assert(documented_has<without_options> && library_has<without_options>);
// And the check can tell a wrong type.
static_assert(!documented_has<std::tuple<int, std::string&>(const std::filesystem::path&, int&&,
                                                           std::string&)>);
}  // namespace

int main() { return 0; }  // everything is checked at compile time
