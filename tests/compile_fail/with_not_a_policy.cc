// daemonizer_with given a type that models no policy family.
// expect: daemoniker::daemonizer_with: every argument must model exactly one of pid_policy, redirect_policy, fd_policy, handoff_policy, privilege_policy — see docs/policies.md (use basic_daemonizer<Pid, Redirect, Fd, Handoff, Privilege> for a type that models several)
#include <string>

#include <daemoniker/daemoniker.hpp>

void use() { [[maybe_unused]] daemoniker::daemonizer_with<daemoniker::no_pid_file, std::string> ctx; }
