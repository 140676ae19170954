// docs/windows.md's opening example, "one program daemonizes on Linux and on Windows with the
// same code": between the snippet markers is its code block, line for line (//tests/docs checks
// it). The code is portable, so it is built and run here on Linux, where the pid file's name is
// the single file name `C:\ProgramData\app\app.pid` in the working directory; the Windows
// re-launch itself is tested under Wine by //tests:windows_test.
//
// The preserved argument is an aggregate, which is what can cross a Windows re-launch. The
// daemon writes it to its stdout (app.log), waits for SIGTERM, and returns from main, which
// removes the pid file.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <daemoniker/daemoniker.hpp>

struct app_config {  // an aggregate: serialized across a re-launch with no code of its own
  int port = 0;
  std::string name;
};

int main() {
  const app_config cfg{8080, "web"};  // before daemonization: declarations only (the spec)
  {
    // [snippet:portable-context]
    daemoniker::daemonizer ctx;
    if (ctx.is_setup()) { /* the original run only */ }
    auto [is_parent, c] = ctx("C:\\ProgramData\\app\\app.pid", {.stdout_goto = "app.log"}, cfg);
    // [/snippet:portable-context]
    if (!is_parent) {  // the daemon; the invoking process ends when it leaves the scope
      sigset_t term;
      sigemptyset(&term);
      sigaddset(&term, SIGTERM);
      sigprocmask(SIG_BLOCK, &term, nullptr);
      std::printf("daemon %d: port %d, name '%s'\n", static_cast<int>(getpid()), c.port,
                  c.name.c_str());
      std::fflush(stdout);
      int signal = 0;
      sigwait(&term, &signal);
    }
  }
  return 0;  // normal exit: the pid file is removed
}
