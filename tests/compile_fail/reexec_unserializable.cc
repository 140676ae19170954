// A type that cannot cross a re-launch: not an aggregate, and no daemoniker::serializer.
// expect: daemoniker: this type cannot cross a re-launch (Windows, or the re-exec handoff): make it an aggregate (a struct with public members and no constructors), or specialize daemoniker::serializer<T>
#include <daemoniker/daemoniker.hpp>
#include <daemoniker/policy/reexec.hpp>

class connection {
 public:
  connection() = default;
  explicit connection(int fd) : fd_(fd) {}

 private:
  int fd_ = -1;
};

void use() {
  daemoniker::daemonizer_with<daemoniker::reexec_handoff> ctx;
  auto [is_parent, c] = ctx("app.pid", {}, connection(3));
  (void)is_parent;
}
