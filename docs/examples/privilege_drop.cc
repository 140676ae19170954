// docs/systemd.md's privilege drop example: between the snippet markers is its code block, line
// for line (//tests/docs checks it). The daemon runs as www-data, chrooted into /srv/jail, with
// no core dumps, niceness 5 and only PATH and LANG left in its environment.
//
// Then it writes what it became to /report — inside the jail — and waits for a signal.
// //docs/examples:examples_test runs it as root in a private mount namespace, where /run and
// /srv are directories of the test's own.
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <daemoniker/daemoniker.hpp>

extern char** environ;

int main() {
  // [snippet:privilege-drop]
  using hardened = daemoniker::basic_daemonizer<
      daemoniker::locked_pid_file, daemoniker::redirect_stdio, daemoniker::auto_sweep,
      daemoniker::fork_handoff, daemoniker::drop_privileges>;

  hardened d{{}, {}, {}, {},
             daemoniker::drop_privileges{.user = "www-data",            // name or id
                                         .chroot = "/srv/jail",          // before the drop
                                         .prevent_core = true,           // RLIMIT_CORE 0
                                         .nice = 5,
                                         .keep_environment = std::vector<std::string>{"PATH", "LANG"}}};
  d.daemonize("/run/web.pid", {.chdir = "/"});   // chdir is inside the jail
  // [/snippet:privilege-drop]

  std::ofstream report("/report");
  report << "uid " << getuid() << ' ' << geteuid() << ", gid " << getgid() << ' ' << getegid()
         << ", groups";
  gid_t groups[64];
  const int n = getgroups(64, groups);
  for (int i = 0; i < n; ++i) report << ' ' << groups[i];
  rlimit core{};
  getrlimit(RLIMIT_CORE, &core);
  report << "\nnice " << getpriority(PRIO_PROCESS, 0) << ", core " << core.rlim_cur << ' '
         << core.rlim_max << "\ncwd " << std::filesystem::current_path().string() << "\nroot";
  for (const auto& entry : std::filesystem::directory_iterator("/")) {
    report << ' ' << entry.path().string();
  }
  report << "\nenvironment";
  for (char** e = environ; *e != nullptr; ++e) {
    report << ' ' << std::string(*e).substr(0, std::string(*e).find('='));
  }
  report << "\nsetuid(0) " << (setuid(0) == 0 ? "SUCCEEDED" : "fails") << '\n';
  report.close();
  for (;;) pause();
}
