// ctx(pid, args...) returns value-initialized args in the invoking process, so each preserved
// type must be default-constructible.
// expect: daemoniker: in the invoking process the Daemonizer returns value-initialized args (the spec's None), so every preserved type must be default-constructible; wrap it in std::optional, or use daemonize(), which never returns there
#include <daemoniker/daemoniker.hpp>

struct connection {
  explicit connection(int fd) : fd(fd) {}
  int fd;
};

void use() {
  daemoniker::daemonizer ctx;
  auto [is_parent, c] = ctx("app.pid", connection{3});
  (void)is_parent;
}
