// Readiness and supervision (issue: beyond SysV): sd_notify datagrams to a real AF_UNIX
// listener, the s6 notification fd, await_ready in the invoking process (ready, failed,
// timeout, extended), staying in the foreground under a supervisor, and socket activation.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <daemoniker/activation.hpp>
#include <daemoniker/daemoniker.hpp>
#include <daemoniker/notify.hpp>

#include "tests/support.hpp"

namespace daemoniker::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;

// A datagram socket standing in for systemd's NOTIFY_SOCKET.
class notify_listener {
 public:
  explicit notify_listener(bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    // Unique across sandboxes (which share /tmp and reuse the same pids): a fresh directory.
    char tmpl[] = "/tmp/dmk-notify.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string name = dir_ + (abstract ? "/a" : "/p");
    if (abstract) {
      address_ = "@" + name.substr(1);
      std::memcpy(a.sun_path + 1, name.c_str() + 1, name.size() - 1);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&a),
             static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size()));
    } else {
      address_ = path_ = name;
      ::unlink(name.c_str());
      std::memcpy(a.sun_path, name.c_str(), name.size());
      ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
  }
  ~notify_listener() {
    ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  const std::string& address() const { return address_; }
  // The next datagram, or "" after `timeout`.
  std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fd_ = -1;
  std::string dir_, address_, path_;
};

class Notify : public DaemonTest {};

TEST_F(Notify, EveryCallReachesAFilesystemOrAbstractNotifySocket) {
  for (const bool abstract : {false, true}) {
    notify_listener systemd(abstract);
    ::setenv("NOTIFY_SOCKET", systemd.address().c_str(), 1);
    notify_ready("serving on :8080");
    EXPECT_EQ(systemd.receive(), "READY=1\nMAINPID=" + std::to_string(::getpid()) +
                                     "\nSTATUS=serving on :8080\n");
    notify_status("two\nlines");
    EXPECT_EQ(systemd.receive(), "STATUS=two lines\n");
    notify_reloading();
    EXPECT_THAT(systemd.receive(), ::testing::StartsWith("RELOADING=1\nMONOTONIC_USEC="));
    notify_stopping();
    EXPECT_EQ(systemd.receive(), "STOPPING=1\n");
    notify_watchdog();
    EXPECT_EQ(systemd.receive(), "WATCHDOG=1\n");
    extend_timeout(std::chrono::seconds(5));
    EXPECT_EQ(systemd.receive(), "EXTEND_TIMEOUT_USEC=5000000\n");
    notify_failed("bad config", 3, ENOENT);
    EXPECT_EQ(systemd.receive(), "STATUS=bad config\nERRNO=" + std::to_string(ENOENT) + "\n");
    ::unsetenv("NOTIFY_SOCKET");
  }
}

TEST_F(Notify, WatchdogIntervalIsReadForThisProcessOnly) {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(watchdog_interval(), std::chrono::microseconds(3000000));
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_FALSE(watchdog_interval());
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_FALSE(watchdog_interval());
}

TEST_F(Notify, TheS6NotificationFdGetsANewlineAndIsClosed) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  set_notification_fd(p[1]);
  notify_ready();
  char buf[8] = {};
  EXPECT_EQ(::read(p[0], buf, sizeof buf), 1);
  EXPECT_EQ(buf[0], '\n');
  EXPECT_EQ(::read(p[0], buf, sizeof buf), 0) << "the fd was not closed";
  ::close(p[0]);
}

using ready_daemonizer = daemonizer_with<await_ready<fork_handoff>>;

TEST_F(Notify, AwaitReadyReturnsOnlyOnceTheProgramIsReady) {
  const auto began = clock_type::now();
  const auto r = invoke([&] {
    ready_daemonizer{}.daemonize(path("app.pid"), {});
    ::usleep(400'000);  // binding sockets, loading configuration...
    notify_ready();
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_GE(clock_type::now() - began, std::chrono::milliseconds(380));
  EXPECT_TRUE(is_locked(path("app.pid")));
}

TEST_F(Notify, NotifyFailedReachesTheInvokingShellWithItsCode) {
  const auto r = invoke([&] {
    ready_daemonizer{}.daemonize(path("app.pid"), {});
    notify_failed("cannot bind 127.0.0.1:80: Permission denied", 7);
    std::exit(7);
  });
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_THAT(r.stderr_text, HasSubstr("could not start: cannot bind 127.0.0.1:80"));
  for (int i = 0; i < 100 && fs::exists(path("app.pid")); ++i) ::usleep(10'000);
  EXPECT_FALSE(fs::exists(path("app.pid")));
}

TEST_F(Notify, AProgramNeverReadyIsKilledAtTheTimeoutUnlessItExtendsIt) {
  auto r = invoke([&] {
    ready_daemonizer{}.daemonize(path("app.pid"), {.success_timeout = std::chrono::milliseconds(300)});
    ::pause();
  });
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("did not confirm startup within 0.3 s"));
  EXPECT_FALSE(fs::exists(path("app.pid")));
  r = invoke([&] {
    ready_daemonizer{}.daemonize(path("app.pid"), {.success_timeout = std::chrono::milliseconds(300)});
    extend_timeout(std::chrono::seconds(3));
    ::usleep(700'000);
    notify_ready();
    report_and_wait_for_term(dir());
  });
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
}

// extend_timeout() with a very long wait — microseconds::max(), "as long as it takes", or 300
// years — must move the deadline out as any other extension does (the century cap that
// success_timeout gets would do). Converting it to the steady clock's nanoseconds overflows,
// the wrapped deadline loses to the old one, and the daemon that asked for more time is killed
// at the original 0.3 s.
TEST_F(Notify, AnExtensionTooLongForTheClockStillExtendsTheWait) {
  for (const auto more : {std::chrono::microseconds::max(),
                          std::chrono::microseconds(std::chrono::hours(24 * 365 * 300))}) {
    SCOPED_TRACE(more.count());
    const auto r = invoke([&] {
      ready_daemonizer{}.daemonize(path("app.pid"),
                                   {.success_timeout = std::chrono::milliseconds(300)});
      extend_timeout(more);
      ::usleep(700'000);
      notify_ready();
      report_and_wait_for_term(dir());
    });
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    if (r.exit_code == 0) stop(static_cast<pid_t>(std::stol(await_observation().at("pid"))));
    fs::remove(path("observed"));
  }
}

TEST_F(Notify, UnderSystemdNotifyTheDaemonStaysInTheForegroundAndSendsReady) {
  notify_listener systemd(false);
  spawn([&] {
    ::setenv("NOTIFY_SOCKET", systemd.address().c_str(), 1);
    const pid_t before = ::getpid();
    const std::string out_before = fs::read_symlink("/proc/self/fd/1").string();
    daemonize(path("app.pid"), {.stderr_goto = path("err.log")});
    const bool same_stdout = fs::read_symlink("/proc/self/fd/1").string() == out_before;
    report_and_wait_for_term(dir(), {{"same_process", ::getpid() == before ? "yes" : "no"},
                                     {"stdout_kept", same_stdout ? "yes" : "no"}});
  });
  // The "invoking process" is the daemon itself: it runs until stopped.
  const auto o = await_observation();
  EXPECT_EQ(o.at("same_process"), "yes");
  EXPECT_EQ(o.at("stdout_kept"), "yes") << "a defaulted stream left the supervisor";
  EXPECT_EQ(systemd.receive(), "READY=1\nMAINPID=" + o.at("pid") + "\n");
  EXPECT_EQ(read_file(path("app.pid")), o.at("pid") + "\n");
  EXPECT_TRUE(is_locked(path("app.pid")));
  EXPECT_EQ(o.at("sid"), std::to_string(::getsid(0))) << "a new session was started";
}

TEST_F(Notify, DetachAlwaysForksEvenUnderSystemd) {
  notify_listener systemd(false);
  const auto r = invoke([&] {
    ::setenv("NOTIFY_SOCKET", systemd.address().c_str(), 1);
    basic_daemonizer<locked_pid_file, redirect_stdio, auto_sweep, fork_handoff> d{
        {}, {}, {}, fork_handoff{.detach = detach_mode::always}};
    d.daemonize(path("app.pid"), {});
    report_and_wait_for_term(dir());
  });
  ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  const auto o = await_observation();
  EXPECT_NE(o.at("sid"), std::to_string(::getsid(0)));
}

TEST_F(Notify, SocketActivationFdsAreKeptNamedAndTheVariablesUnset) {
  spawn([&] {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(s, 4);
    ::dup2(s, 3);  // where systemd puts the first one
    ::close(s);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_FDNAMES", "http", 1);
    daemonize(path("app.pid"), {});
    const auto fds = listen_fds();
    int listening = 0;
    socklen_t len = sizeof listening;
    ::getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
    report_and_wait_for_term(
        dir(), {{"listen", fds.size() == 1 ? std::to_string(fds[0].fd) + ":" + fds[0].name : "none"},
                {"still_listening", listening ? "yes" : "no"},
                {"env", std::getenv("LISTEN_FDS") == nullptr && std::getenv("LISTEN_PID") == nullptr
                            ? "unset" : "set"}});
  });
  const auto o = await_observation();
  EXPECT_EQ(o.at("listen"), "3:http");
  EXPECT_EQ(o.at("still_listening"), "yes");
  EXPECT_EQ(o.at("env"), "unset");
}

TEST_F(Notify, DetectionDoesNotGuessFromInvocationIdAlone) {
  ::setenv("INVOCATION_ID", "0123456789abcdef", 1);
  ::setenv("JOURNAL_STREAM", "8:12345", 1);
  EXPECT_EQ(detect_supervisor(), supervisor::none) << "Type=forking services have these too";
  ::unsetenv("INVOCATION_ID");
  ::unsetenv("JOURNAL_STREAM");
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  EXPECT_EQ(detect_supervisor(), supervisor::systemd);
  ::unsetenv("NOTIFY_SOCKET");
}

// LISTEN_PID is read one way everywhere, as sd_listen_fds(3) does: "<our pid>abc" is not ours,
// so detection does not take it for systemd (and stay in the foreground) while daemonize()
// refuses the sockets — the two used to disagree.
TEST_F(Notify, AListenPidWithTrailingGarbageIsNotOurs) {
  ::setenv("LISTEN_PID", (std::to_string(::getpid()) + "abc").c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  EXPECT_EQ(detect_supervisor(), supervisor::none);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(detect_supervisor(), supervisor::systemd);
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
}

}  // namespace
}  // namespace daemoniker::testing
