// daemoniker/src/messages.hpp — how a failure is told to a person (src/messages.cc). Private.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "daemoniker/plan.hpp"

namespace daemoniker::detail {

/// The one-line, human-readable description of a failure, naming the step, path, errno text
/// and the fix. Used by the invoking process (allocates).
std::string describe(const step_status& status, const plan& p);
/// The name of a step, as messages say it ("pid file", "fork", ...).
const char* step_name(step s) noexcept;
/// The line daemonize() prints for a failure (without the program's name), and its exit status:
/// "cannot daemonize: <describe>" with 2 for invalid options and 1 otherwise, or, when the
/// program rejected its start, "the daemon (pid N) could not start: <message>" with its code.
std::string failure_line(const step_status& status, const plan& p, int& exit_status);
/// "30 s", "0.3 s": a timeout, for messages.
std::string seconds_text(std::chrono::milliseconds ms);
/// "the daemon (pid N)", or "the daemon" while its pid is unknown (0).
std::string the_daemon(long long pid);
/// "the daemon (pid N) <how> before confirming startup": how it ended too early.
std::string ended_before_confirming(long long pid, const std::string& how);
/// The daemon missed options::success_timeout and was `fate` ("killed", "terminated").
std::string startup_timeout_text(long long pid, std::chrono::milliseconds timeout, const char* fate);
#if !defined(_WIN32)
/// How a child that ended looks in a message, from its wait status: "exited with status 3",
/// "was killed by SIGSEGV (Segmentation fault)".
std::string how_it_ended(int wait_status);
#endif
/// The program's file name, for the lines daemoniker prints itself.
std::string program_name_for_messages();

// --- the pid file refusals POSIX and Windows share --------------------------------------------

/// What follows "'<path>' " when the pid file is a link or not a regular file. Constants: the
/// POSIX pid file code runs in the fork window, where nothing may allocate.
inline constexpr char kPidFileIsLink[] =
    "is a symbolic link; pid files are never followed through links: remove the link, or point "
    "pid_file at a regular file";
inline constexpr char kPidFileNotRegular[] =
    "exists and is not a regular file (a directory, FIFO, socket or device): remove it, or "
    "choose another pid file path";
/// A pid file path that is empty (`example`: a good path on this OS) or names a directory.
step_status check_pid_path(const std::filesystem::path& path, const char* example);
/// A pid file whose directory is missing or not a directory (`error`: why, as the OS says it).
step_status unusable_pid_directory(const std::filesystem::path& dir, int error);
/// The most of a path a message shows (its start and end around "…" beyond): what follows the
/// path — the problem, the fix — must fit in step_status::subject.
inline constexpr std::size_t kPathInMessages = 400;
/// A path as messages show it: UTF-8 on both platforms, elided beyond kPathInMessages.
std::string path_text(const std::filesystem::path& path);

}  // namespace daemoniker::detail
