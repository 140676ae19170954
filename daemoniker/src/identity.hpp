// daemoniker/src/identity.hpp — process identity: which process a pid file really belongs
// to, and signalling only that one. Not API: shared by inspect_pid_file(), send(),
// detect_supervisor() (a process's name) and the daemoniker command (POSIX, Linux /proc and
// pidfds).
//
// The rules (docs/cli.md#who-gets-signalled):
//   - the daemon is a process that holds the pid file's exclusive flock: its open file
//     description carries it (/proc/PID/fdinfo/N shows it). The pid *in* the file is only a
//     hint, verified against that;
//   - a process is pinned with a pidfd before it is verified and signalled through that pidfd
//     after, so a pid reused in between cannot be hit;
//   - pid <= 1 and the caller's own pid, process group, session and ancestors are never
//     signalled;
//   - beyond the daemon's own pid, only its family is ever signalled — its descendants and the
//     other holders of its lock, with theirs — and only when daemonization made its session
//     (the leader, the double fork's intermediate process, is gone, and it is not the
//     caller's): never a supervisor's or a shell's relatives.
#pragma once

#if !defined(_WIN32)
#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "daemoniker/pid_file.hpp"

namespace daemoniker::detail {

/// A file, as the kernel names it in /proc/PID/fdinfo lock lines ("fe:00:1234").
struct file_key {
  unsigned major = 0, minor = 0;
  unsigned long long inode = 0;
};

/// Whether a process holds a file's exclusive flock, as far as this process may look.
enum class holding { yes, no, unknown };

/// Whether process `pid` holds the exclusive flock of `key` through one of its descriptors;
/// `unknown` when its descriptors cannot be read (another user's process).
holding holds_lock(pid_t pid, const file_key& key) noexcept;

/// Every visible process that holds the exclusive flock of `key` (a /proc scan), sorted.
std::vector<pid_t> lock_holders(const file_key& key);

/// The children of `parent` (a /proc scan).
std::vector<pid_t> children_of(pid_t parent);

/// The session of `pid`, or 0 when it cannot be told.
pid_t session_of(pid_t pid) noexcept;

/// True when `sid` is a session made by daemonization: > 1, not the caller's, and its leader
/// is gone (the number is still taken while any member lives, so it cannot have been reused).
bool made_by_daemonization(pid_t sid) noexcept;

/// Why `pid` may never be signalled by this process, or nullptr when it may: pid <= 1, the
/// caller itself, its process group, its session, or one of its ancestors.
const char* forbidden_target(long long pid) noexcept;

/// A process pinned by a pidfd: signals reach it or nothing, never a reuse of its number.
class pinned {
 public:
  pinned() = default;
  explicit pinned(pid_t pid) noexcept;
  pinned(pinned&& other) noexcept;
  pinned& operator=(pinned&& other) noexcept;
  pinned(const pinned&) = delete;
  pinned& operator=(const pinned&) = delete;
  ~pinned();

  [[nodiscard]] bool valid() const noexcept { return fd_ != -1; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// False once the process has exited (its pidfd is readable).
  [[nodiscard]] bool alive() const noexcept;
  /// pidfd_send_signal; -1 with errno (ESRCH once it exited).
  int signal(int sig) const noexcept;
  /// Waits up to `ms` milliseconds for it to exit; true when it has.
  bool wait_exit(int ms) const noexcept;

 private:
  pid_t pid_ = 0;
  int fd_ = -1;
};

/// Waits up to `ms` milliseconds until one of the processes still alive exits (its pidfd turns
/// readable); at once when none is alive. One poll() over every pidfd: no polling interval.
void wait_any_exit(const std::vector<pinned>& processes, int ms) noexcept;

/// What inspect_pid_file() found, and the file it found it in.
struct examined {
  pid_file_status status;
  file_key key;
};
examined examine(const std::filesystem::path& pid_file, const process_match& match) noexcept;

/// Pins `e.status.pid` with a pidfd and checks again, after pinning, that it is the daemon
/// (holds the lock, or matches `match` for an unlocked file). Invalid when it is not verified.
pinned pin_daemon(const examined& e, const process_match& match) noexcept;

/// The daemon's family as examined in `e`, when daemonization made its session: the lock
/// holders (the daemon among them) and their descendants, each pinned and checked after
/// pinning (a holder holds the lock, a descendant has the parent the walk saw). Empty when the
/// session was not made by daemonization, or when the caller or one of its ancestors is in the
/// family (signalling it would hit the caller's own tree).
std::vector<pinned> pin_family(const examined& e);

/// The name of process `pid` (/proc/PID/comm without its newline); "" when it cannot be read.
/// Read with std::ifstream, outside the seam, as sys.hpp says; inline, for activation.cc too
/// (:daemonization, which a static link scans after :control).
inline std::string comm_of(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/comm");
  std::string name((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

/// Why execvp() could not run the file at `path`: "" when it can (it exists, is no directory
/// and may be executed), else "it is a directory" or strerror's text.
std::string not_runnable(const std::filesystem::path& path);

/// The file execvp() runs for `program` (a name without '/'): the first in the directories of
/// PATH (else /usr/local/bin:/usr/bin:/bin; "" is ".") that is runnable, absolute directories
/// taken below `root` (a chroot's) and named from outside it; "" when there is none.
std::string find_in_path(const std::string& program, const std::filesystem::path& root = "/");

/// "" when `pid` matches every criterion of `m`; otherwise what did not match. --exec matches
/// the process's executable, or, for a script, its #! interpreter with the script's name as
/// the process name (never argv, which any process may forge).
std::string mismatch(pid_t pid, const process_match& m);

}  // namespace daemoniker::detail
#endif
