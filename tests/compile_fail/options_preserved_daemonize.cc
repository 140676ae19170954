// A daemoniker::options value passed to the member daemonize() as a preserved argument.
// expect: daemoniker: a daemoniker::options value cannot be preserved as an argument; pass the options right after the pid file, once
#include <daemoniker/daemoniker.hpp>

void use() {
  daemoniker::daemonizer ctx;
  daemoniker::options opts{.chdir = "/"};
  auto [o] = ctx.daemonize("app.pid", {}, opts);  // opts given twice: once as an argument
}
