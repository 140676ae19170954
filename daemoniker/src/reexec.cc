// reexec_handoff: the same double fork, but the daemon exec()s the program again
// (/proc/self/exe) and receives the plan and the preserved arguments over an inherited socket.
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

namespace daemoniker {

using namespace detail;

namespace {

constexpr const char* kHandoffVariable = "DAEMONIKER_HANDOFF";
constexpr std::size_t kMaxHandoff = std::size_t{256} << 20;  // 256 MiB of arguments is a bug

// Read before main() runs: is this process a re-launched daemon? (The variable is removed as
// soon as the daemon has read its handoff, so asking later would give the wrong answer.)
bool started_relaunched() noexcept {
  static const bool relaunched = std::getenv(kHandoffVariable) != nullptr;
  return relaunched;
}
[[maybe_unused]] const bool kEvaluatedEarly = started_relaunched();

[[noreturn]] void handoff_unusable(const char* what) noexcept {
  std::fprintf(stderr,
               "%s: daemoniker: %s is set, but %s; it is set only for a daemon that "
               "daemoniker re-launched: unset it\n",
               program_invocation_short_name, kHandoffVariable, what);
  std::fflush(nullptr);
  ::_exit(2);
}

// The re-launched daemon: take the plan and the arguments, settle, confirm.
role continue_relaunched(plan& p, const stages& st) {
  const char* value = std::getenv(kHandoffVariable);
  int hand = -1, down = -1;
  if (value != nullptr) {  // "<hand>,<down>"
    char* end = nullptr;
    hand = static_cast<int>(std::strtol(value, &end, 10));
    down = end != nullptr && *end == ',' ? static_cast<int>(std::strtol(end + 1, &end, 10)) : -1;
    if (end == nullptr || *end != '\0') hand = down = -1;
  }
  if (value == nullptr || hand < 0 || down < 0 ||
      os::fcntl(hand, F_GETFD, 0) == -1 || os::fcntl(down, F_GETFD, 0) == -1) {
    handoff_unusable("it does not name open channels");
  }
  ::unsetenv(kHandoffVariable);  // children of the daemon must not take themselves for it
  // Close-on-exec again: the daemon's own children must not inherit the channels.
  os::fcntl(hand, F_SETFD, FD_CLOEXEC);
  os::fcntl(down, F_SETFD, FD_CLOEXEC);

  std::string bytes;
  char buffer[65536];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return os::read(hand, buffer, sizeof buffer); });
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
    if (bytes.size() > kMaxHandoff) break;
  }
  os::close(hand);

  const std::size_t plan_size = payload_frame_size(bytes);
  std::string error;
  auto received = plan_size == 0 ? std::nullopt
                                 : decode_payload<plan>(std::string_view(bytes).substr(0, plan_size), error);
  if (!received) {
    report_and_exit(down, step_status::failure(
                              step::handoff, 0,
                              (plan_size == 0 ? "the handoff was truncated" : error).c_str()));
  }
  p = std::move(std::get<0>(*received));
  if (auto s = st.accept(std::string_view(bytes).substr(plan_size)); !s.ok()) {
    report_and_exit(down, s);
  }
  if (auto s = st.settle(p); !s.ok()) report_and_exit(down, s);
  if (st.defer_confirmation) {
    defer_confirmation(down);
    return role::daemon;
  }
  if (!confirm_on(down)) {
    st.abandon(p);
    ::_exit(1);
  }
  os::close(down);
  return role::daemon;
}

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

bool reexec_handoff::is_setup() const noexcept { return !started_relaunched(); }

role reexec_handoff::launch(plan& p, const stages& st) {
  if (!is_setup()) return continue_relaunched(p, st);
  if (foreground_wanted(detach_mode::unless_supervised) || !p.listen_fds.empty()) {
    return stay_in_foreground(p, st);
  }

  std::vector<std::string> args;
  if (!read_command_line(args)) {
    *st.failure = step_status::failure(step::handoff, errno,
                                     "cannot read /proc/self/cmdline to re-launch the program: "
                                     "is /proc mounted?");
    return role::failed;
  }
  if (p.strip_cmd_args) args.resize(1);
  int hand[2], down[2];
  if (!make_channel(hand) || !make_channel(down)) {
    *st.failure = step_status::failure(step::channel, errno);
    return role::failed;
  }
  // The environment of the new run: ours, and where its two channels are (their numbers
  // survive execve()).
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "DAEMONIKER_HANDOFF=", 19) != 0) env.emplace_back(*e);
  }
  env.push_back(std::string(kHandoffVariable) + "=" + std::to_string(hand[1]) + "," +
                std::to_string(down[1]));
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
