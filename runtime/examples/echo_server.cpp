// The README's example: a TCP echo server, one task per client, with a
// graceful stop on SIGINT/SIGTERM.
//   echo_server [PORT]    (default 7000; try: nc 127.0.0.1 7000)

#include <brisk/runtime.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

using brisk::Task;

Task<void> echo(brisk::TcpStream client) {
  for (;;) {
    std::string_view data = co_await client.read();  // valid until the next co_await
    if (data.empty()) {
      co_return;  // the peer closed
    }
    std::string copy(data);
    co_await client.write(copy);
  }
}

Task<void> accept_clients(brisk::TcpListener& listener) {
  for (;;) {
    brisk::spawn(echo(co_await listener.accept()));
  }
}

Task<void> serve(std::uint16_t port) {
  auto listener = brisk::TcpListener::bind("0.0.0.0", port);
  std::printf("echo server on port %u; Ctrl-C stops it\n", static_cast<unsigned>(listener.port()));
  std::fflush(stdout);
  brisk::SignalSet stop{SIGINT, SIGTERM};
  auto acceptor = brisk::spawn(accept_clients(listener), "acceptor");
  co_await stop.next();
  // Stop accepting before the listener goes away with this frame; returning
  // then cancels the clients' tasks and waits for them.
  acceptor.cancel();
  co_await acceptor.finished();
}

int main(int argc, char** argv) {
  auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 7000);
  brisk::run(serve(port));
  std::puts("stopped");
}
