// reexec_handoff's POSIX launcher: the same double fork, but the daemon exec()s the program
// again (/proc/self/exe) and receives the plan and the preserved arguments over an inherited
// socket; what the new run does is relaunched.cc's, shared with Windows.
#if !defined(_WIN32)  // POSIX; Windows: src/windows/
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemoniker/activation.hpp"
#include "daemoniker/src/sys.hpp"
#include "daemoniker/policy/reexec.hpp"
#include "fork_window.hpp"
#include "relaunch.hpp"

namespace daemoniker {

using namespace detail;

namespace detail {

void forget_handoff_variable() noexcept { ::unsetenv(kHandoffVariable); }

}  // namespace detail

namespace {

// The command line of this process, as it was given (/proc/self/cmdline).
bool read_command_line(std::vector<std::string>& argv) {
  const int fd = os::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
  if (fd == -1) return false;
  std::string all;
  char buffer[4096];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return os::read(fd, buffer, sizeof buffer); });
    if (n <= 0) break;
    all.append(buffer, static_cast<std::size_t>(n));
  }
  os::close(fd);
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = all.find('\0', at);
    argv.push_back(all.substr(at, end - at));
    at = end == std::string::npos ? all.size() : end + 1;
  }
  return !argv.empty();
}

}  // namespace

role reexec_handoff::launch(plan& p, const stages& st) {
  if (!is_setup()) return continue_relaunched(p, st);
  if (foreground_wanted(detach_mode::unless_supervised, p)) return stay_in_foreground(p, st);

  std::vector<std::string> args;
  if (!read_command_line(args)) {
    *st.failure = step_status::failure(step::handoff, errno,
                                     "cannot read /proc/self/cmdline to re-launch the program: "
                                     "is /proc mounted?");
    return role::failed;
  }
  if (p.strip_cmd_args) args.resize(1);
  int hand[2] = {-1, -1}, down[2] = {-1, -1};
  if (!make_channel(hand) || !make_channel(down)) {
    close_ends(hand);  // what was made before the failure
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  // The environment of the new run: ours, and where its two channels are (their numbers
  // survive execve()).
  std::vector<std::string> env;
  const std::string variable = std::string(kHandoffVariable) + "=";
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, variable.c_str(), variable.size()) != 0) env.emplace_back(*e);
  }
  env.push_back(variable + handoff_value(hand[1], down[1]));
  std::vector<char*> argv_ptrs, env_ptrs;
  for (auto& a : args) argv_ptrs.push_back(a.data());
  argv_ptrs.push_back(nullptr);
  for (auto& e : env) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  const relaunch exec{"/proc/self/exe", argv_ptrs.data(), env_ptrs.data(), hand[1]};

  const std::string frames = encode_payload(p) + std::string(st.payload);
  return start_daemon(p, st, down, &exec, hand[0], frames);
}
}  // namespace daemoniker

#endif  // !defined(_WIN32)
