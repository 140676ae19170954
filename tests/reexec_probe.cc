// A program that daemonizes through reexec_handoff, for tests/reexec_test.cc: the daemon is a
// new run of this program, so the test observes it from outside.
//
//   reexec_probe DIR SCENARIO [ARGS...]
//
// Every run appends "run <pid> setup=<0|1>" to DIR/runs. The daemon writes DIR/observed
// (key=value lines) and waits for SIGTERM, then exits normally.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/policy/reexec.hpp>

namespace {

namespace fs = std::filesystem;

struct endpoint {
  std::string host;
  int port = 0;
};
struct settings {
  int workers = 0;
  std::vector<endpoint> upstreams;
  std::optional<fs::path> root;
  std::map<std::string, double> weights;
};

settings sample() {
  return {8, {{"alpha", 80}, {"beta gamma", 443}}, fs::path("/srv/x y"), {{"a", 0.5}}};
}

std::string describe(const settings& s) {
  std::string out = std::to_string(s.workers) + ";";
  for (const auto& u : s.upstreams) out += u.host + ":" + std::to_string(u.port) + ",";
  out += ";" + (s.root ? s.root->string() : std::string("none")) + ";";
  for (const auto& [k, v] : s.weights) out += k + "=" + std::to_string(v);
  return out;
}

[[noreturn]] void report_and_wait(const fs::path& dir, std::map<std::string, std::string> o,
                                  int argc, char** argv) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);
  o["pid"] = std::to_string(getpid());
  o["sid"] = std::to_string(getsid(0));
  o["cwd"] = fs::current_path().string();
  o["handoff_env"] = std::getenv("DAEMONIKER_HANDOFF") != nullptr ? "present" : "absent";
  std::string args;
  for (int i = 0; i < argc; ++i) args += std::string(i ? "|" : "") + argv[i];
  o["argv"] = args;
  std::string fds;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.' && std::atoi(e->d_name) != dirfd(d)) {
        fds += std::string(e->d_name) + ",";
      }
    }
    closedir(d);
  }
  o["fds"] = fds;
  {
    std::ofstream out(dir / "observed.tmp");
    for (const auto& [k, v] : o) out << k << "=" << v << "\n";
  }
  fs::rename(dir / "observed.tmp", dir / "observed");
  int sig = 0;
  sigwait(&term, &sig);
  std::exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  using reexec_daemonizer = daemoniker::daemonizer_with<daemoniker::reexec_handoff>;
  // With strip_cmd_args the daemon runs with no arguments: it learns DIR from the preserved
  // arguments, as a real program would.
  if (argc < 3 && reexec_daemonizer{}.is_setup()) return 64;
  const fs::path dir = argc >= 3 ? argv[1] : "";
  const std::string scenario = argc >= 3 ? argv[2] : "strip";
  if (!dir.empty()) {
    std::ofstream(dir / "runs", std::ios::app)
        << "run " << getpid() << " setup=" << reexec_daemonizer{}.is_setup() << "\n";
  }
  daemoniker::options opts{.chdir = "/", .stdout_goto = dir / "out.log",
                           .stderr_goto = dir / "out.log"};
  if (scenario == "strip") opts.strip_cmd_args = true;
  if (scenario == "fail") opts.chdir = dir / "missing";
  if (scenario == "timeout") opts.success_timeout = std::chrono::milliseconds(500);

  if (scenario == "context") {
    settings s;
    std::string name;
    {
      reexec_daemonizer ctx;
      if (ctx.is_setup()) {
        s = sample();
        name = "set up once";
      }
      auto [is_parent, got, got_name] = ctx(dir / "app.pid", opts, s, name);
      if (is_parent) {
        std::ofstream(dir / "parent", std::ios::app)
            << "parent workers=" << got.workers << " name='" << got_name << "'\n";
      } else {
        s = std::move(got);
        name = std::move(got_name);
      }
    }
    report_and_wait(dir, {{"settings", describe(s)}, {"name", name}}, argc, argv);
  }

  if (scenario == "unready") {  // the daemon takes its pid file but never says it is ready
    using ready_daemonizer =
        daemoniker::daemonizer_with<daemoniker::await_ready<daemoniker::reexec_handoff>>;
    opts.success_timeout = std::chrono::seconds(60);
    ready_daemonizer{}.daemonize(dir / "app.pid", opts, dir.string());
    for (;;) pause();
  }

  if (scenario == "twice") {  // the re-launched daemon tries to daemonize once more
    auto [where] = reexec_daemonizer{}.daemonize(dir / "app.pid", opts, dir.string());
    auto again = reexec_daemonizer{}.try_daemonize(fs::path(where) / "two.pid", opts, where);
    std::ofstream(fs::path(where) / "second", std::ios::app)
        << getpid() << " " << (!again ? "failed: " + again.error().message
                                      : again.is_daemon() ? "daemon" : "invoker") << "\n";
    for (;;) pause();
  }

  if (scenario == "threads") {
    // Threads running when daemonizing: the re-exec makes this safe.
    std::thread([] { for (;;) pause(); }).detach();
    std::thread([] { for (;;) pause(); }).detach();
  }
  if (scenario == "timeout" && !reexec_daemonizer{}.is_setup()) {
    sleep(30);  // the re-launched run hangs before it reaches daemonize()
  }
  if (scenario == "crash" && !reexec_daemonizer{}.is_setup()) {
    std::abort();
  }
  auto [s, n, where] =
      reexec_daemonizer{}.daemonize(dir / "app.pid", opts, sample(), 42, dir.string());
  std::printf("daemon %d running\n", getpid());
  std::fflush(stdout);
  report_and_wait(where, {{"settings", describe(s)}, {"n", std::to_string(n)}}, argc, argv);
}
