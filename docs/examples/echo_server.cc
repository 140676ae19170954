// A small, real TCP service written with daemoniker: it echoes every line a client sends back
// to it, on 127.0.0.1:PORT. The guided tour (tools/tour.sh) starts it, talks to it, reloads and
// stops it with the `daemoniker` command.
//
//   echo_server RUN_DIR PORT [--fail]
//
// RUN_DIR receives echo.pid and echo.log. --fail points the log into a directory that does not
// exist, to show an error reaching the invoking shell.
//
// The order is what matters:
//   1. bind the listening socket first, in the invoking process: a busy port is an error the
//      shell sees, with exit status 1, and no daemon is started;
//   2. daemonize(), shielding that socket from the fd sweep and passing its number along;
//   3. in the daemon, start the signal_handler before any other thread exists;
//   4. serve on a thread until a stop signal (SIGTERM, SIGINT, SIGQUIT), then return from
//      main, which removes the pid file.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <daemoniker/daemoniker.hpp>
#include <daemoniker/signals.hpp>

namespace {

// A listening TCP socket on 127.0.0.1:port, or -1 with errno set.
int listen_on_loopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // restart while old peers linger
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

// The log is the daemon's stdout; line-buffered, so each line reaches the file at once.
void log(const std::string& line) { std::printf("echo: %s\n", line.c_str()); }

// Serves every client on one thread: poll() the listening socket and the clients, with a short
// timeout so that a stop request is noticed within 200 ms.
void serve(int sock, const daemoniker::signal_handler& signals) {
  std::vector<pollfd> fds{{sock, POLLIN, 0}};  // fds[0] listens; the rest are clients
  while (!signals.stop_requested()) {
    if (poll(fds.data(), fds.size(), 200) <= 0) continue;  // timeout, or EINTR
    for (std::size_t i = fds.size(); i-- > 1;) {            // clients, back to front
      if (fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0 && write(fds[i].fd, buf, n) == n) continue;  // echo what arrived
      log("client on fd " + std::to_string(fds[i].fd) + " disconnected");
      close(fds[i].fd);
      fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (fds[0].revents & POLLIN) {
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      const int client = accept4(sock, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (client < 0) continue;
      log("client 127.0.0.1:" + std::to_string(ntohs(peer.sin_port)) + " connected on fd " +
          std::to_string(client));
      fds.push_back({client, POLLIN, 0});
    }
  }
  for (std::size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc >= 3 ? std::atoi(argv[2]) : 0;
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s RUN_DIR PORT [--fail]\n", argv[0]);
    return 2;
  }
  const std::filesystem::path run = std::filesystem::canonical(argv[1]);
  const bool fail = argc > 3 && std::string(argv[3]) == "--fail";
  const std::filesystem::path log_file = run / (fail ? "no/such/dir/echo.log" : "echo.log");

  // 1. Still the invoking process: errors here go straight to the shell's terminal.
  const int listener = listen_on_loopback(port);
  if (listener < 0) {
    std::fprintf(stderr, "echo_server: cannot listen on 127.0.0.1:%d: %s\n", port,
                 strerror(errno));
    return 1;
  }

  // 2. daemonize() returns only in the daemon. The fd sweep closes every inherited descriptor
  //    except the shielded ones; the socket's number travels as a preserved argument.
  auto [sock] = daemoniker::daemonize(run / "echo.pid",
                                      {.chdir = "/",
                                       .stdout_goto = log_file,
                                       .stderr_goto = log_file,
                                       .shielded_fds = {listener}},
                                      listener);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  // 3. The daemon. Signals become callbacks on a listener thread: SIGHUP calls on_reload's
  //    callback, and a stop signal makes stop_requested() true and wait() return.
  daemoniker::signal_handler signals;
  signals.on_reload([](int) { log("reloaded (SIGHUP)"); });
  signals.start();
  log("daemon " + std::to_string(getpid()) + " listening on 127.0.0.1:" + std::to_string(port));

  // 4. Serve on a thread of its own (it inherits the blocked signals), and wait here for a
  //    stop signal. Because this thread waits, the signal is ours to handle: the handler does
  //    not end the process itself.
  std::thread server(serve, sock, std::cref(signals));
  const int stop = signals.wait();
  log(std::string("SIG") + sigabbrev_np(stop) + " received, stopping");
  server.join();  // it sees stop_requested() within one poll timeout
  return 0;  // normal exit: the pid file is unlinked, then its lock released
}
