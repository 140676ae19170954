// The README's outline of the Daemonizer context: between the snippet markers is its code block,
// line for line (//tests/docs checks it). docs/examples/context.cc is the fuller example.
//
// Setup values cross into the daemon as preserved arguments. Then the daemon — in "/", the pid
// file app.pid in the directory it was started from — writes what it got to app.report there
// and waits for SIGTERM; returning from main removes the pid file.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <daemoniker/daemoniker.hpp>

int main() {
  const std::filesystem::path report = std::filesystem::absolute("app.report");
  int port = 7000;
  std::string name = "echo";
  {
    // [snippet:context]
    daemoniker::daemonizer ctx;
    if (ctx.is_setup()) { /* once, before daemonization */ }
    auto [is_parent, p, n] = ctx("app.pid", {.chdir = "/"}, port, name);
    if (is_parent) { /* once, in the invoking process, after the daemon confirmed */ }
    // leaving ctx's scope ends the invoking process (_exit(0), or _exit(2) on an exception)
    // [/snippet:context]
    port = p;
    name = n;
  }
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  std::ofstream(report) << "daemon " << getpid() << ": port " << port << ", name '" << name
                        << "', cwd " << std::filesystem::current_path().string() << '\n';
  int signal = 0;
  sigwait(&term, &signal);
  return 0;  // normal exit: the pid file is removed
}
