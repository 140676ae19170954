// drop_privileges (daemon(7)'s privilege drop and the rest of its hardening), run as root:
// the daemon ends as `nobody` with nobody's groups only and cannot regain root; the pid file is
// created first and given to the user; chroot, RLIMIT_CORE 0 and the environment allow-list.
// Unsandboxed (tags no-sandbox): Bazel's sandbox maps no user but root.
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/daemoniker.hpp>

#include "tests/support.hpp"

// Under LeakSanitizer (the asan-ubsan run), the leak check at exit needs /proc, which a
// chrooted daemon does not have: it would turn a clean exit into status 1. Off there only.
extern "C" int __lsan_is_turned_off() { return ::access("/proc/self/maps", R_OK) != 0 ? 1 : 0; }

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using privileged = basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep, fork_handoff,
                                    drop_privileges>;

class Privileges : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (CI runs as root)";
    nobody_ = ::getpwnam("nobody");
    if (nobody_ == nullptr) GTEST_SKIP() << "no user 'nobody'";
    ::chmod(dir().c_str(), 0777);  // the dropped daemon writes its observation here
  }
  passwd* nobody_ = nullptr;
};

TEST_F(Privileges, TheDaemonBecomesNobodyWithNobodysGroupsOnlyAndCannotRegainRoot) {
  // nobody cannot reach TEST_TMPDIR (under /root): the daemon reports through a kept pipe.
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const auto r = invoke([&] {
    ::close(report[0]);
    const gid_t extra[] = {0, 4, 27};  // root, adm, sudo: must not survive
    ::setgroups(3, extra);
    privileged d{{}, {}, {}, {}, drop_privileges{.user = "nobody"}};
    d.daemonize(path("app.pid"), {.shielded_fds = {report[1]}});
    std::string groups;
    gid_t list[64];
    const int n = ::getgroups(64, list);
    for (int i = 0; i < n; ++i) groups += std::to_string(list[i]) + ",";
    const bool regained = ::setuid(0) == 0 || ::seteuid(0) == 0 || ::setgid(0) == 0;
    const std::string text = "uid=" + std::to_string(::getuid()) + "\neuid=" +
                             std::to_string(::geteuid()) + "\ngid=" + std::to_string(::getgid()) +
                             "\ngroups=" + groups + "\nregained=" + (regained ? "yes" : "no") +
                             "\npid=" + std::to_string(::getpid()) + "\n";
    (void)::write(report[1], text.data(), text.size());
    ::close(report[1]);
    ::pause();
  });
  ::close(report[1]);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  std::string text;
  char buf[512];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(report[0]);
  observation o;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) o[line.substr(0, eq)] = line.substr(eq + 1);
  }
  ASSERT_TRUE(o.count("uid")) << "no report from the daemon";
  EXPECT_EQ(o.at("uid"), std::to_string(nobody_->pw_uid));
  EXPECT_EQ(o.at("euid"), std::to_string(nobody_->pw_uid));
  EXPECT_EQ(o.at("gid"), std::to_string(nobody_->pw_gid));
  EXPECT_EQ(o.at("regained"), "no");
  for (const char* root_group : {"0,", "4,", "27,"}) {
    EXPECT_THAT("," + o.at("groups"), ::testing::Not(HasSubstr(std::string(",") + root_group)))
        << "a supplementary group of root survived: " << o.at("groups");
  }
  struct stat st {};
  ASSERT_EQ(::stat(path("app.pid").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, nobody_->pw_uid) << "the pid file was not given to the user";
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
}

TEST_F(Privileges, ChrootCoreLimitAndEnvironmentAllowList) {
  const fs::path root = path("jail");
  fs::create_directories(root);
  ::chmod(root.c_str(), 0777);
  const auto r = invoke([&] {
    ::setenv("DAEMONIKER_SECRET", "hunter2", 1);
    privileged d{{}, {}, {}, {},
                 drop_privileges{.user = "nobody", .chroot = root, .prevent_core = true,
                                 .keep_environment = std::vector<std::string>{"PATH"}}};
    d.daemonize(path("app.pid"), {});
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    std::ofstream("/observed.tmp")  // inside the jail
        << "cwd=" << fs::current_path().string() << "\n"
        << "sees_etc_passwd=" << fs::exists("/etc/passwd") << "\n"
        << "core=" << core.rlim_cur << "," << core.rlim_max << "\n"
        << "secret=" << (std::getenv("DAEMONIKER_SECRET") ? "kept" : "gone") << "\n"
        << "path=" << (std::getenv("PATH") ? "kept" : "gone") << "\n"
        << "pid=" << ::getpid() << "\n";
    fs::rename("/observed.tmp", "/observed");
    ::pause();
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  for (int i = 0; i < 500 && !fs::exists(root / "observed"); ++i) ::usleep(10'000);
  const std::string o = read_file(root / "observed");
  EXPECT_THAT(o, HasSubstr("cwd=/\n"));
  EXPECT_THAT(o, HasSubstr("sees_etc_passwd=0\n"));
  EXPECT_THAT(o, HasSubstr("core=0,0\n"));
  EXPECT_THAT(o, HasSubstr("secret=gone\n"));
  EXPECT_THAT(o, HasSubstr("path=kept\n"));
}

TEST_F(Privileges, ADaemonInAChrootRemovesItsPidFileAtExit) {
  const fs::path root = path("jail");
  fs::create_directories(root);
  const auto r = invoke([&] {
    privileged d{{}, {}, {}, {}, drop_privileges{.chroot = root}};
    d.daemonize(path("app.pid"), {});  // outside the jail: unreachable by its path from inside
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &term, nullptr);
    std::ofstream("/blocked");  // in the jail: SIGTERM no longer ends it without its exit
    int sig = 0;
    ::sigwait(&term, &sig);
    std::exit(0);  // normal exit: the pid file goes
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const pid_t daemon = static_cast<pid_t>(std::atoll(read_file(path("app.pid")).c_str()));
  ASSERT_GT(daemon, 0);
  // The daemon blocks SIGTERM after daemonize() returned in it, which may be after the invoking
  // process exited: sent before that, SIGTERM would end it before it could remove its pid file.
  for (int i = 0; i < 500 && !fs::exists(root / "blocked"); ++i) ::usleep(10'000);
  ::kill(daemon, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(daemon, &status, 0), daemon);  // our child: the test is a subreaper
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "the chrooted daemon left its pid file";
}

TEST_F(Privileges, TheCommandFindsItsProgramInsideTheChroot) {
  // A program that exists only inside the jail, with the libraries it needs.
  const fs::path root = path("jail");
  fs::create_directories(root / "bin");
  fs::copy_file("/bin/sleep", root / "bin/onlyhere");
  ASSERT_EQ(std::system(("for lib in $(ldd /bin/sleep | grep -o '/[^ ]*'); do mkdir -p " +
                         root.string() + "$(dirname $lib); cp -L $lib " + root.string() +
                         "$lib; done")
                            .c_str()),
            0);
  ASSERT_FALSE(fs::exists("/bin/onlyhere"));
  const char* cli = std::getenv("DAEMONIKER_CLI");
  const auto r = invoke([&] {
    ::execl(cli, cli, "start", "--pidfile", path("app.pid").c_str(), "--chroot", root.c_str(),
            "--", "/bin/onlyhere", "60", nullptr);
    std::_Exit(127);
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const std::string pid = read_file(path("app.pid"));
  EXPECT_THAT(read_file("/proc/" + pid.substr(0, pid.size() - 1) + "/cmdline"), HasSubstr("onlyhere"));
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(Privileges, AnotherUsersDaemonIsUnverifiableNotCalledExited) {
  // nobody may not read root's /proc/PID/fdinfo: the command says so instead of claiming the
  // daemon exited, and signals nothing. (A directory nobody can reach: not under /root.)
  char shared[] = "/tmp/daemoniker-privileges.XXXXXX";
  ASSERT_NE(::mkdtemp(shared), nullptr);
  const fs::path place = shared;
  ::chmod(shared, 0755);
  fs::copy_file(std::getenv("DAEMONIKER_CLI"), place / "daemoniker");
  const std::string cli = (place / "daemoniker").string();
  const std::string pid_file = (place / "app.pid").string();
  const auto started = invoke([&] {
    ::execl(cli.c_str(), cli.c_str(), "start", "--pidfile", pid_file.c_str(), "--", "sleep", "60", nullptr);
    std::_Exit(127);
  });
  ASSERT_EQ(started.exit_code, 0) << started.stderr_text;
  for (const char* command : {"status", "stop"}) {
    const auto r = invoke([&] {
      const int out = ::open(path("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::execl("/sbin/runuser", "runuser", "-u", "nobody", "--", cli.c_str(), command, "--pidfile",
              pid_file.c_str(), nullptr);
      std::_Exit(127);
    });
    EXPECT_EQ(r.exit_code, std::string(command) == "status" ? 4 : 1) << command;
    EXPECT_THAT(read_file(path("out")) + r.stderr_text, HasSubstr("no permission")) << command;
  }
  EXPECT_TRUE(is_locked(pid_file));
  const long long daemon = std::atoll(read_file(pid_file).c_str());
  ::kill(static_cast<pid_t>(daemon), SIGKILL);
  ::waitpid(static_cast<pid_t>(daemon), nullptr, 0);
  fs::remove_all(place);
}

TEST_F(Privileges, AnUnknownUserIsRefusedBeforeAnythingStarts) {
  const auto r = invoke([&] {
    privileged d{{}, {}, {}, {}, drop_privileges{.user = "no-such-user-here"}};
    d.daemonize(path("app.pid"), {});
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("privileges: no such user 'no-such-user-here'"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

// A numeric id past uid_t's range must not wrap (4294967296 would be 0: root), and a number too
// big for any integer must not throw out of try_daemonize(): each is refused, nothing started.
TEST_F(Privileges, NumericIdsOutOfRangeAreRefusedNotWrappedToRoot) {
  const std::pair<drop_privileges, std::string> cases[] = {
      {{.user = "4294967296"}, "drop_privileges::user '4294967296' is not a user id"},
      {{.user = "4294967295"}, "drop_privileges::user '4294967295' is not a user id"},
      {{.user = "99999999999999999999"}, "drop_privileges::user '99999999999999999999' is not a user id"},
      {{.user = "0", .group = "4294967296"}, "drop_privileges::group '4294967296' is not a group id"},
  };
  for (const auto& [policy, message] : cases) {
    const auto r = invoke([&] {
      privileged d{{}, {}, {}, {}, policy};
      const auto result = d.try_daemonize(path("app.pid"), {});
      if (result) std::_Exit(result.is_daemon() ? 0 : 3);  // started: must not happen
      std::fprintf(stderr, "%s\n", result.error().message.c_str());
      std::_Exit(result.error().step == "privileges" ? 1 : 4);
    });
    EXPECT_EQ(r.exit_code, 1) << message << "\n" << r.stderr_text;
    EXPECT_THAT(r.stderr_text, HasSubstr(message));
    EXPECT_FALSE(fs::exists(path("app.pid")));
    EXPECT_THAT(children(), ::testing::IsEmpty());
  }
}

TEST_F(Privileges, TheCommandRunsAProgramAsAnotherUser) {
  const char* cli = std::getenv("DAEMONIKER_CLI");
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const auto r = invoke([&] {
    ::close(report[0]);
    const std::string keep = std::to_string(report[1]);
    const std::string script =
        "id -u >&" + keep + "; id -G >&" + keep + "; exec " + keep + ">&-; exec sleep 60";
    ::execl(cli, cli, "start", "--pidfile", path("app.pid").c_str(), "--user", "nobody",
            "--keep-fd", keep.c_str(), "--", "sh", "-c", script.c_str(), nullptr);
    std::_Exit(127);
  });
  ::close(report[1]);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(report[0]);
  EXPECT_EQ(text, std::to_string(nobody_->pw_uid) + "\n" + std::to_string(nobody_->pw_gid) + "\n");
}

}  // namespace
}  // namespace daemoniker::testing

// The privilege drop goes through the system-call seam like every other step: each of its calls
// failing is reported naming the call, and nothing is left behind.
#include "daemoniker/src/sys_faults.hpp"

namespace daemoniker::testing {
namespace {

using detail::sys;

struct PrivilegeFault {
  const char* name;
  void (*inject)();
  const char* message;
};

class PrivilegeFaults : public Privileges, public ::testing::WithParamInterface<PrivilegeFault> {};

TEST_P(PrivilegeFaults, AreReportedNamingTheCallAndLeaveNothing) {
  const fs::path root = path("jail");
  fs::create_directories(root);
  ::chmod(root.c_str(), 0777);
  const auto r = invoke([&] {
    GetParam().inject();  // fork() carries the table into the daemon
    privileged d{{}, {}, {}, {},
                 drop_privileges{.user = "nobody", .chroot = root, .prevent_core = true, .nice = 5}};
    d.daemonize(path("app.pid"), {});
    std::_Exit(0);
  });
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr(GetParam().message));
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "the pid file outlived a failed privilege drop";
  EXPECT_THAT(children(), ::testing::IsEmpty());
}

int eperm() noexcept {
  errno = EPERM;
  return -1;
}

INSTANTIATE_TEST_SUITE_P(
    Seam, PrivilegeFaults,
    ::testing::Values(
        PrivilegeFault{"Chroot", [] { sys().chroot = [](const char*) noexcept { return eperm(); }; },
                       "privileges: "},
        PrivilegeFault{"CoreLimit",
                       [] { sys().setrlimit = [](int, const struct rlimit*) noexcept { return eperm(); }; },
                       "setrlimit(RLIMIT_CORE, 0): Operation not permitted"},
        PrivilegeFault{"Nice", [] { sys().setpriority = [](int, int, int) noexcept { return eperm(); }; },
                       "setpriority: Operation not permitted"},
        PrivilegeFault{"Groups",
                       [] { sys().setgroups = [](std::size_t, const gid_t*) noexcept { return eperm(); }; },
                       "setgroups: Operation not permitted"},
        PrivilegeFault{"Gid", [] { sys().setresgid = [](gid_t, gid_t, gid_t) noexcept { return eperm(); }; },
                       "setgid: Operation not permitted"},
        PrivilegeFault{"Uid", [] { sys().setresuid = [](uid_t, uid_t, uid_t) noexcept { return eperm(); }; },
                       "setuid: Operation not permitted"},
        PrivilegeFault{"RootRegainable",
                       [] {
                         // The drop "succeeds", and so does every attempt to get root back.
                         sys().setresuid = [](uid_t, uid_t, uid_t) noexcept { return 0; };
                       },
                       "root privileges could be regained after dropping them"}),
    [](const auto& info) { return std::string(info.param.name); });

// In the foreground the privilege drop runs in the caller itself, last. When one of its calls
// fails (here setuid, the last), try_daemonize() gives back the caller's umask and stdio and
// removes the pid file it took; what the drop applied before the failing call is not undone:
// the chroot — with the working directory inside it, not back outside —, RLIMIT_CORE 0, the
// niceness, the groups and the gid.
TEST_F(Privileges, AFailedDropInTheForegroundGivesBackUmaskAndStdioButNotWhatItApplied) {
  const fs::path root = path("jail");
  fs::create_directories(root);
  write_file(root / "marker", "");
  const auto r = invoke([&] {
    ::umask(022);
    const int out = ::open(path("caller.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::close(out);
    sys().setresuid = [](uid_t, uid_t, uid_t) noexcept { return eperm(); };
    basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep, foreground_handoff,
                     drop_privileges>
        d{{}, {}, {}, {},
          drop_privileges{.user = "nobody", .chroot = root, .prevent_core = true, .nice = 5}};
    auto result = d.try_daemonize(path("app.pid"), {.stdout_goto = path("daemon.log")});
    if (result) std::_Exit(4);
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    char cwd[256] = {};
    const mode_t mask = ::umask(0);
    gid_t groups[64];
    const int n = ::getgroups(64, groups);
    std::printf("%s\numask=%o\ncwd=%s\nroot=%s\ncore=%llu\nnice=%d\ngid=%u\ngroups=%d:%u\n",
                result.error().message.c_str(), static_cast<unsigned>(mask),
                ::getcwd(cwd, sizeof cwd) ? cwd : "?",
                ::access("/marker", F_OK) == 0 ? "the jail" : "not the jail",
                static_cast<unsigned long long>(core.rlim_max), ::getpriority(PRIO_PROCESS, 0),
                static_cast<unsigned>(::getgid()), n,
                n > 0 ? static_cast<unsigned>(groups[0]) : 0u);
    std::fflush(stdout);
    std::_Exit(7);
  });
  EXPECT_EQ(r.exit_code, 7) << r.stderr_text;
  const std::string gid = std::to_string(nobody_->pw_gid);
  EXPECT_EQ(read_file(path("caller.out")),
            "cannot daemonize: privileges: setuid: Operation not permitted\n"
            "umask=22\ncwd=/\nroot=the jail\ncore=0\nnice=5\ngid=" + gid +
                "\ngroups=1:" + gid + "\n");
  EXPECT_EQ(read_file(path("daemon.log")), "");
  EXPECT_FALSE(fs::exists(path("app.pid"))) << "the caller kept the pid file";
}

}  // namespace
}  // namespace daemoniker::testing
