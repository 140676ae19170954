#include "tests/reliability_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include <gmock/gmock.h>

#include <daemoniker/pid_file.hpp>

namespace daemoniker::testing {

namespace fs = std::filesystem;
using ::testing::IsEmpty;

void figures(const std::string& what, const std::vector<std::pair<std::string, long long>>& f) {
  std::string line = "FIGURES " + what;
  for (const auto& [k, v] : f) {
    line += " " + k + "=" + std::to_string(v);
    ::testing::Test::RecordProperty(k, std::to_string(v));
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string status_text(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

[[noreturn]] void report_held_inode(const fs::path& dir) {
  struct stat st {};
  const int fd = held_pid_file_descriptor();
  const bool ok = fd != -1 && ::fstat(fd, &st) == 0;
  report_and_wait_for_term(dir, {{"held_ino", ok ? std::to_string(st.st_ino) : "none"}});
}

pid_t Reliability::spawn(const fs::path& err, const std::function<void()>& body, int gate_read,
                         int gate_write) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (gate_write != -1) ::close(gate_write);
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
    if (gate_read != -1) {
      char c;
      while (::read(gate_read, &c, 1) > 0) {
      }
      ::close(gate_read);
    }
    body();
    std::fprintf(stderr, "test body returned in the daemon\n");
    ::_exit(99);
  }
  return pid;
}

int Reliability::wait_for(pid_t pid) {
  int status = -1;
  if (::waitpid(pid, &status, 0) != pid) ADD_FAILURE() << "pid " << pid << " is not our child";
  return status;
}

void Reliability::expect_nothing_left(const fs::path& d, const std::set<std::string>& keep) {
  for (const auto& e : fs::directory_iterator(d)) {
    const std::string name = e.path().filename().string();
    if (keep.count(name) != 0 || name.ends_with(".stderr")) continue;
    ADD_FAILURE() << "left behind: " << e.path();
  }
  EXPECT_THAT(children(), IsEmpty()) << "a process was left behind";
}

observation Reliability::await_in(const fs::path& d, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!fs::exists(d / "observed")) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "no observation in " << d;
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  observation o;
  std::string text = read_file(d / "observed");
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    const auto eq = line.find('=');
    if (eq != std::string::npos) o[line.substr(0, eq)] = line.substr(eq + 1);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return o;
}

}  // namespace daemoniker::testing
