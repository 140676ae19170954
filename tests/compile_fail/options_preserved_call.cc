// A daemoniker::options value passed to the Daemonizer's operator() as a preserved argument.
// expect: daemoniker: a daemoniker::options value cannot be preserved as an argument; pass the options right after the pid file, once
#include <daemoniker/daemoniker.hpp>

void use() {
  daemoniker::daemonizer ctx;
  daemoniker::options opts{.chdir = "/"};
  int port = 8080;
  auto [is_parent, p, o] = ctx("app.pid", port, opts);  // opts lands among the args
  (void)is_parent;
}
