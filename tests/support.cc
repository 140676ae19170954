#include "tests/support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace daemoniker::testing {
namespace fs = std::filesystem;

namespace {

// Becomes a subreaper once, before any test runs (a static initializer of the test binary).
const bool kSubreaper = [] { return ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }();

// Kills and reaps every child; repeats because killing one may orphan its own children to us.
void kill_and_reap_all() {
  for (int round = 0; round < 50; ++round) {
    const auto kids = child_pids();
    if (kids.empty()) return;
    for (const pid_t k : kids) ::kill(k, SIGKILL);
    for (const pid_t k : kids) ::waitpid(k, nullptr, 0);
  }
}

std::string sanitize(std::string s) {
  for (char& c : s) {
    if (c == '/') c = '_';
  }
  return s;
}

}  // namespace

void DaemonTest::SetUp() {
  ASSERT_TRUE(kSubreaper) << "prctl(PR_SET_CHILD_SUBREAPER) failed";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const fs::path base = tmp != nullptr ? fs::path(tmp) : fs::temp_directory_path();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = base / sanitize(std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  kill_and_reap_all();  // nothing from an earlier test may confuse this one
}

void DaemonTest::TearDown() {
  // Every process a test started is stopped and reaped, even when the test failed.
  kill_and_reap_all();
}

std::vector<pid_t> child_pids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "children");
    pid_t pid;
    while (in >> pid) out.push_back(pid);
  }
  return out;
}

invocation DaemonTest::invoke(const std::function<void()>& body) {
  const pid_t pid = spawn([&] {
    body();
    std::fprintf(stderr, "test body returned in the daemon\n");
  });
  invocation r;
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.stderr_text = read_file(path("invoker.stderr"));
  return r;
}

pid_t DaemonTest::spawn(const std::function<void()>& body) {
  const fs::path err = path("invoker.stderr");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, 2);
    body();
    ::_exit(99);
  }
  return pid;
}

observation DaemonTest::await_observation(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const fs::path p = path("observed");
  while (!fs::exists(p)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the daemon wrote no observation within " << timeout.count() << " ms";
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  observation o;
  std::istringstream in(read_file(p));
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) o[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return o;
}

int DaemonTest::stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = -1;
  if (::waitpid(pid, &status, 0) != pid) ADD_FAILURE() << "pid " << pid << " is not our child";
  return status;
}

observation observe_self() {
  observation o;
  o["pid"] = std::to_string(::getpid());
  o["ppid"] = std::to_string(::getppid());
  o["sid"] = std::to_string(::getsid(0));
  o["pgid"] = std::to_string(::getpgrp());
  const mode_t mask = ::umask(0);
  ::umask(mask);
  o["umask"] = std::to_string(mask);
  o["cwd"] = fs::current_path().string();
  // Open fds, read without leaving the directory's own fd in the list.
  std::string fds;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const int fd = std::atoi(e->d_name);
      if (fd == own) continue;
      fds += (fds.empty() ? "" : ",") + std::to_string(fd);
    }
    ::closedir(d);
  }
  o["fds"] = fds;
  std::istringstream status(read_file("/proc/self/status"));
  std::string line;
  while (std::getline(status, line)) {
    for (const char* key : {"SigBlk", "SigIgn", "SigCgt"}) {
      if (line.rfind(std::string(key) + ":", 0) == 0) {
        o[key] = line.substr(line.find_first_not_of(" \t", std::strlen(key) + 1));
      }
    }
  }
  for (int fd = 0; fd <= 2; ++fd) {
    struct stat st {};
    const std::string key = "stdio" + std::to_string(fd);
    if (::fstat(fd, &st) == 0) {
      o[key] = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
               std::to_string(st.st_rdev);
      o[key + "_cloexec"] = std::to_string((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    } else {
      o[key] = "closed";
    }
  }
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY);
  o["tty"] = tty == -1 ? std::to_string(errno) : "opened";
  if (tty != -1) ::close(tty);
  return o;
}

void report_and_wait_for_term(const fs::path& dir, const observation& extra) {
  // Block SIGTERM first, so that a stop request that comes early is not lost.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  observation o = observe_self();  // before blocking: the masks are the daemon's own
  ::pthread_sigmask(SIG_BLOCK, &term, nullptr);
  for (const auto& [k, v] : extra) o[k] = v;
  std::string text;
  for (const auto& [k, v] : o) text += k + "=" + v + "\n";
  write_file(dir / "observed.tmp", text);
  fs::rename(dir / "observed.tmp", dir / "observed");
  int sig = 0;
  ::sigwait(&term, &sig);
  std::exit(0);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

bool is_locked(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return false;
  const bool locked = ::flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

std::vector<int> split_ints(const std::string& s) {
  std::vector<int> out;
  std::istringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::stoi(item));
  }
  return out;
}

}  // namespace daemoniker::testing
