// InjectedFault.*: a system call fails (through the seam, daemoniker/src/sys_faults.hpp) at each
// step of daemonize(); the step must be named and nothing left. The shared fixture and what all
// reliability suites check: tests/reliability_support.hpp.
#include <fcntl.h>
#include <limits.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>
#include "daemoniker/src/sys_faults.hpp"

#include "tests/reliability_faults.hpp"
#include "tests/reliability_support.hpp"
#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using detail::sys;

// The path an injected open() failure applies to (copied into the children by fork).
char fault_path[PATH_MAX];
int fault_errno = 0;
pid_t invoker_pid = 0;

int open_fails_on_path(const char* p, int flags, mode_t mode) noexcept {
  if (std::strcmp(p, fault_path) == 0) {
    errno = fault_errno;
    return -1;
  }
  return detail::real_syscalls().open(p, flags, mode);
}

int open_tmpfile_fails(const char* p, int flags, mode_t mode) noexcept {
  if ((flags & O_TMPFILE) == O_TMPFILE) {
    errno = fault_errno;
    return -1;
  }
  return detail::real_syscalls().open(p, flags, mode);
}

// Both ways to create the candidate fail: O_TMPFILE is unsupported, the named file gets errno.
int open_no_tmpfile_then_fails(const char* p, int flags, mode_t mode) noexcept {
  if ((flags & O_TMPFILE) == O_TMPFILE) {
    errno = EOPNOTSUPP;
    return -1;
  }
  if ((flags & O_EXCL) != 0) {
    errno = fault_errno;
    return -1;
  }
  return detail::real_syscalls().open(p, flags, mode);
}

pid_t fork_fails() noexcept {
  errno = fault_errno;
  return -1;
}

pid_t second_fork_fails() noexcept {
  if (::getpid() != invoker_pid) {
    errno = fault_errno;
    return -1;
  }
  return detail::real_syscalls().fork();
}

// The pid write makes progress (1 byte), then the disk is full.
ssize_t write_short_then_enospc(int fd, const void* b, std::size_t n) noexcept {
  static int calls = 0;
  if (++calls == 1 && n > 1) return detail::real_syscalls().write(fd, b, 1);
  errno = ENOSPC;
  return -1;
}

ssize_t write_enospc(int, const void*, std::size_t) noexcept {
  errno = ENOSPC;
  return -1;
}

int dup2_busy(int, int) noexcept {
  errno = EBUSY;
  return -1;
}

int linkat_fails(int, const char*, int, const char*, int) noexcept {
  errno = fault_errno;
  return -1;
}

int fchmod_fails(int, mode_t) noexcept {
  errno = fault_errno;
  return -1;
}

struct Fault {
  const char* name;
  std::function<void(const fs::path& dir)> inject;  // runs in the invoking process
  std::vector<const char*> message;                  // each must appear
};

class InjectedFault : public Reliability, public ::testing::WithParamInterface<Fault> {};

TEST_P(InjectedFault, IsReportedNamingTheStepAndLeavesNothing) {
  constexpr int kRepeats = 5;
  int named = 0, attempts = 0;
  for (int i = 0; i < kRepeats; ++i) {
    ++attempts;
    write_file(path("in.txt"), "input\n");
    const auto r = invoke([&] {
      invoker_pid = ::getpid();
      GetParam().inject(dir());
      daemonize(path("app.pid"), {.chdir = dir(),
                                  .stdin_goto = path("in.txt"),
                                  .stdout_goto = path("out.log"),
                                  .stderr_goto = path("err.log")});
      report_and_wait_for_term(dir());
    });
    EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
    bool all = r.exit_code == 1;
    for (const char* m : GetParam().message) {
      EXPECT_THAT(r.stderr_text, HasSubstr(m));
      all = all && r.stderr_text.find(m) != std::string::npos;
    }
    named += all ? 1 : 0;
    EXPECT_EQ(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n'), 1)
        << "one line: " << r.stderr_text;
    EXPECT_EQ(read_file(path("in.txt")), "input\n");
    expect_nothing_left(dir(), {"in.txt", "out.log", "err.log", "invoker.stderr"});
    if (HasFailure()) break;
  }
  figures(std::string("fault_") + GetParam().name,
          {{"attempts", attempts}, {"exit_1_with_step_named", named}});
}

void set_fault_path(const fs::path& p, int e) {
  std::snprintf(fault_path, sizeof fault_path, "%s", p.c_str());
  fault_errno = e;
}

INSTANTIATE_TEST_SUITE_P(
    Daemonize, InjectedFault,
    ::testing::Values(
        Fault{"FirstForkENOMEM",
              [](const fs::path&) {
                fault_errno = ENOMEM;
                sys().fork = fork_fails;
              },
              {"fork: fork() failed: Cannot allocate memory", "ulimit -u"}},
        Fault{"SecondForkENOMEM",
              [](const fs::path&) {
                fault_errno = ENOMEM;
                sys().fork = second_fork_fails;
              },
              {"second fork: fork() failed: Cannot allocate memory"}},
        Fault{"StdinOpenEMFILE",
              [](const fs::path& d) {
                set_fault_path(d / "in.txt", EMFILE);
                sys().open = open_fails_on_path;
              },
              {"stdin redirect: cannot open stdin_goto '", "in.txt' for reading: Too many open "
                                                           "files"}},
        Fault{"StdoutOpenEMFILE",
              [](const fs::path& d) {
                set_fault_path(d / "out.log", EMFILE);
                sys().open = open_fails_on_path;
              },
              {"stdout redirect: cannot open stdout_goto '", "out.log' for appending: Too many "
                                                             "open files"}},
        Fault{"StderrOpenEMFILE",
              [](const fs::path& d) {
                set_fault_path(d / "err.log", EMFILE);
                sys().open = open_fails_on_path;
              },
              {"stderr redirect: cannot open stderr_goto '", "err.log' for appending: Too many "
                                                             "open files"}},
        Fault{"StdoutOpenENFILE",
              [](const fs::path& d) {
                set_fault_path(d / "out.log", ENFILE);
                sys().open = open_fails_on_path;
              },
              {"stdout redirect", "Too many open files in system"}},
        Fault{"Dup2EBUSY", [](const fs::path&) { sys().dup2 = dup2_busy; },
              {"stdin redirect", "Device or resource busy"}},
        Fault{"PidCandidateOpenEMFILE",
              [](const fs::path&) {
                fault_errno = EMFILE;
                sys().open = open_tmpfile_fails;
              },
              {"pid file: '", "app.pid' cannot be created in its directory: Too many open files"}},
        Fault{"PidCandidateOpenEACCES",
              [](const fs::path&) {
                fault_errno = EACCES;
                sys().open = open_tmpfile_fails;
              },
              {"pid file: '", "cannot be created in its directory: Permission denied"}},
        Fault{"PidTempFileOpenENOSPC",
              [](const fs::path&) {
                fault_errno = ENOSPC;
                sys().open = open_no_tmpfile_then_fails;
              },
              {"pid file: '", "cannot be created in its directory: No space left on device"}},
        Fault{"PidFchmodEPERM",
              [](const fs::path&) {
                fault_errno = EPERM;
                sys().fchmod = fchmod_fails;
              },
              // Today "cannot be locked: ..."; the step and errno are what must show.
              {"pid file: '", "app.pid' cannot be ", ": Operation not permitted"}},
        Fault{"PidShortWriteThenENOSPC",
              [](const fs::path&) { sys().write = write_short_then_enospc; },
              {"pid file: '", "cannot be written: No space left on device"}},
        Fault{"PidWriteENOSPCInNamedTempFile",
              [](const fs::path&) {
                sys().open = open_without_tmpfile;
                sys().write = write_enospc;
              },
              {"pid file: '", "cannot be written: No space left on device"}},
        Fault{"PidPublishEDQUOT",
              [](const fs::path&) {
                fault_errno = EDQUOT;
                sys().linkat = linkat_fails;
              },
              {"pid file: '", "cannot be created: Disk quota exceeded"}},
        Fault{"PidPublishEPERMNoHardLinks",
              [](const fs::path&) {
                fault_errno = EPERM;
                sys().linkat = linkat_fails;
              },
              {"pid file: '", "does not support hard links", "/run"}},
        Fault{"PidPublishEIONamedTempFile",
              [](const fs::path&) {
                fault_errno = EIO;
                sys().open = open_without_tmpfile;
                sys().linkat = linkat_fails;
              },
              {"pid file: '", "cannot be created: Input/output error"}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace daemoniker::testing
