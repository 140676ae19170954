// CONTROL: correct use, including user-written policies of every family. It must compile
// (with -Werror), which proves that the headers are found and that the failures of the other
// snippets come from the misuse they show, not from the harness.
// expect-compile
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <daemoniker/daemoniker.hpp>

namespace {

struct counting_sweep {
  daemoniker::step_status sweep(const daemoniker::plan&) const noexcept { return {}; }
};

struct user_pid_file {
  daemoniker::step_status validate(const daemoniker::plan&) const { return {}; }
  daemoniker::step_status acquire(const daemoniker::plan&) noexcept { return {}; }
  void abandon(const daemoniker::plan&) noexcept {}
  void keep_until_exit(const daemoniker::plan&) noexcept {}
  void reclaim(const daemoniker::plan&, long long) noexcept {}
};

struct user_redirect {
  daemoniker::step_status redirect(const daemoniker::plan&) const noexcept { return {}; }
};

struct user_handoff {
  [[nodiscard]] bool is_setup() const noexcept { return true; }
  daemoniker::role launch(daemoniker::plan&, const daemoniker::stages&) {
    return daemoniker::role::invoker;
  }
};

static_assert(daemoniker::fd_policy<counting_sweep>);
static_assert(daemoniker::pid_policy<user_pid_file>);
static_assert(daemoniker::redirect_policy<user_redirect>);
static_assert(daemoniker::handoff_policy<user_handoff>);
static_assert(std::is_same_v<daemoniker::daemonizer_with<counting_sweep, user_pid_file>,
                             daemoniker::basic_daemonizer<user_pid_file, daemoniker::redirect_stdio,
                                                          counting_sweep, daemoniker::fork_handoff>>);

struct connection {
  explicit connection(int f) : fd(f) {}
  int fd;
};

}  // namespace

// Never called: the file is only checked with -fsyntax-only, but every template is instantiated.
void use() {
  daemoniker::basic_daemonizer<user_pid_file, user_redirect, counting_sweep, user_handoff> all;
  if (all.is_setup()) {
    int port = 8080;
    std::string name = "svc";
    auto [is_parent, p, n] = all("app.pid", {.chdir = "/"}, port, name);
    (void)is_parent;
    (void)p;
    (void)n;
  }

  daemoniker::daemonizer_with<counting_sweep, daemoniker::no_pid_file> some;
  auto [is_parent, port] = some("app.pid", 8080);
  (void)is_parent;
  (void)port;
  // An optional wraps a type without a default constructor for the Daemonizer context...
  auto [parent2, conn] = some("app.pid", std::optional<connection>{connection{3}});
  (void)parent2;
  (void)conn;
  // ...and daemonize(), which never returns in the invoking process, takes it as it is.
  auto [c] = some.daemonize("app.pid", {}, connection{3});
  (void)c;
}
