#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Task;
using brisk::TcpListener;
using brisk::TcpStream;
using brisk::test::accept_one;
using brisk::test::connected_pair;
using brisk::test::ends_cancelled;
using brisk::test::eventually;

namespace {

Task<void> echo_connection(TcpStream s) {
  for (;;) {
    std::string_view data = co_await s.read();
    if (data.empty()) {
      co_return;
    }
    std::string copy(data);  // the view dies at the next suspension
    co_await s.write(copy);
  }
}

Task<void> echo_server(TcpListener* listener, std::vector<JoinHandle<void>>* connections) {
  for (;;) {
    TcpStream s = co_await listener->accept();
    connections->push_back(brisk::spawn(echo_connection(std::move(s))));
  }
}

// A handler's stand-in: sleeps with a hang-up watch on `s`; true when the
// peer's leaving cancelled it.
Task<bool> busy_while_watched(TcpStream* s) {
  s->watch_hangup(brisk::current_task());
  try {
    co_await brisk::sleep(10s);
  } catch (const brisk::CancelledError&) {
    co_return s->hung_up();
  }
  co_return false;
}

std::string payload_for(int i) {
  std::string out;
  for (int k = 0; k < 1000 + i % 200; ++k) {
    out.push_back(static_cast<char>('a' + (i * 31 + k) % 26));
  }
  return out;
}

Task<bool> echo_client(std::uint16_t port, int i) {
  TcpStream s = co_await TcpStream::connect("127.0.0.1", port);
  std::string sent = payload_for(i);
  co_await s.write(sent);
  std::string got;
  while (got.size() < sent.size()) {
    std::string_view data = co_await s.read();
    if (data.empty()) {
      break;
    }
    got.append(data);
  }
  co_await s.shutdown();
  co_return got == sent;
}

}  // namespace

TEST_CASE("echo server: 1,000 concurrent clients, every byte echoed", "[tcp]") {
  int ok = brisk::run([]() -> Task<int> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    std::vector<JoinHandle<void>> connections;
    auto server = brisk::spawn(echo_server(&listener, &connections), "echo-server");
    std::vector<JoinHandle<bool>> clients;
    for (int i = 0; i < 1000; ++i) {
      clients.push_back(brisk::spawn(echo_client(listener.port(), i)));
    }
    int good = 0;
    for (auto& c : clients) {
      good += co_await c ? 1 : 0;
    }
    for (auto& c : connections) {
      co_await c;  // every server side saw end-of-stream and returned
    }
    server.cancel();
    co_await server.finished();
    co_return good;
  }());
  REQUIRE(ok == 1000);
}

TEST_CASE("a peer that closes gives end-of-stream, a reset gives an error", "[tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);

    auto [client, server] = co_await connected_pair(listener);
    client.close();
    std::string_view at_end = co_await server.read();
    REQUIRE(at_end.empty());

    auto second = co_await connected_pair(listener);
    second.client.reset();
    bool reset_seen = false;
    try {
      static_cast<void>(co_await second.server.read());
    } catch (const brisk::UvError&) {
      reset_seen = true;
    }
    REQUIRE(reset_seen);
  }());
}

TEST_CASE("connect to a closed port raises UvError", "[tcp]") {
  brisk::run([]() -> Task<void> {
    std::uint16_t port = 0;
    {
      auto l = TcpListener::bind("127.0.0.1", 0);
      port = l.port();
    }
    co_await brisk::sleep(1ms);  // let the close finish
    REQUIRE_THROWS_AS(co_await TcpStream::connect("127.0.0.1", port), brisk::UvError);
  }());
}

TEST_CASE("read and accept are cancellable and leak nothing", "[tcp][cancel]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);

    auto waiting = brisk::spawn(accept_one(&listener));
    co_await brisk::sleep(5ms);
    waiting.cancel();
    REQUIRE_THROWS_AS(co_await std::move(waiting), brisk::CancelledError);

    // After the cancelled accept, the listener still accepts.
    auto [client, server] = co_await connected_pair(listener);

    auto reader = [](TcpStream* s) -> Task<std::string> { co_return std::string(co_await s->read()); };
    auto blocked = brisk::spawn(reader(&server));
    co_await brisk::sleep(5ms);
    blocked.cancel();
    REQUIRE_THROWS_AS(co_await blocked, brisk::CancelledError);

    // The stream is still usable after a cancelled read.
    co_await client.write("after");
    std::string after = co_await reader(&server);
    REQUIRE(after == "after");
  }());
}

TEST_CASE("try_accept takes every connection the backlog holds, then returns a closed stream", "[tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    CHECK_FALSE(listener.try_accept().is_open());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(listener.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::vector<int> clients;
    for (int i = 0; i < 3; ++i) {
      // The kernel completes a loopback handshake without the server.
      clients.push_back(::socket(AF_INET, SOCK_STREAM, 0));
      REQUIRE(::connect(clients.back(), reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    }
    // A loop turn: libuv takes the first one and holds it for an accept.
    co_await brisk::sleep(10ms);
    std::vector<TcpStream> taken;
    for (TcpStream s = listener.try_accept(); s.is_open(); s = listener.try_accept()) {
      taken.push_back(std::move(s));
    }
    REQUIRE(taken.size() == 3);
    for (auto& s : taken) {
      co_await s.write("x");  // each one a working stream
    }
    for (int fd : clients) {
      char byte = 0;
      CHECK(::recv(fd, &byte, 1, 0) == 1);
      ::close(fd);
    }
  }());
}

TEST_CASE("closing a stream wakes its parked reader", "[tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    auto [client, server] = co_await connected_pair(listener);
    auto reader = [](TcpStream* s) -> Task<void> { static_cast<void>(co_await s->read()); };
    auto blocked = brisk::spawn(reader(&server));
    co_await brisk::sleep(2ms);
    server.close();
    REQUIRE_THROWS_AS(co_await blocked, brisk::UvError);
  }());
}

TEST_CASE("writing to a peer that has gone fails with UvError, not SIGPIPE", "[tcp]") {
  brisk::run([]() -> Task<void> {
    struct sigaction action {};
    REQUIRE(sigaction(SIGPIPE, nullptr, &action) == 0);
    REQUIRE(action.sa_handler == SIG_IGN);

    auto listener = TcpListener::bind("127.0.0.1", 0);
    auto [client, server] = co_await connected_pair(listener);
    client.close();
    // The first write after the FIN is answered with a RST; the next one
    // fails, and with SIGPIPE's default action it would end this process.
    bool failed = false;
    for (int i = 0; i < 50 && !failed; ++i) {
      try {
        co_await server.write("are you there?");
        co_await brisk::sleep(5ms);
      } catch (const brisk::UvError&) {
        failed = true;
      }
    }
    REQUIRE(failed);
  }());
}

TEST_CASE("send() queues what the socket cannot take yet, in order, and a close drops the rest", "[tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    auto [client, server] = co_await connected_pair(listener);

    // More than loopback's socket buffers hold: the rest waits in libuv's
    // queue, owned by the stream.
    std::string first(24 << 20, ' ');
    for (std::size_t i = 0; i < first.size(); ++i) {
      first[i] = static_cast<char>('a' + i % 26);
    }
    server.send(first);
    REQUIRE(server.write_queue_size() > 0);
    server.send("[second]");  // queued behind: taken whole, no partial write
    const std::string expected = first + "[second][awaited]";
    auto collect = [](TcpStream* s, std::size_t n) -> Task<std::string> {
      std::string got;
      while (got.size() < n) {
        std::string_view data = co_await s->read();
        if (data.empty()) {
          break;
        }
        got.append(data);
      }
      co_return got;
    };
    auto reader = brisk::spawn(collect(&client, expected.size()));
    co_await server.write("[awaited]");  // returns once the queue ahead of it has gone
    std::string got = co_await std::move(reader);
    REQUIRE(got == expected);

    // Closed while bytes are still queued: they are dropped and freed.
    server.send(std::string(24 << 20, 'x'));
    REQUIRE(server.write_queue_size() > 0);
    server.close();
    server.send("ignored after close");
    // What the kernel had already taken still arrives, then the FIN.
    std::string rest = co_await collect(&client, std::string::npos);
    REQUIRE(!rest.empty());
    REQUIRE(rest.size() < (24u << 20));
  }());
}

TEST_CASE("two threads, each with its own runtime and SO_REUSEPORT listener on one port, both accept",
          "[tcp][reuseport]") {
  // Port 0 cannot be shared, so find a free port first.
  std::uint16_t port = brisk::run([]() -> Task<std::uint16_t> {
    auto l = TcpListener::bind("127.0.0.1", 0);
    co_return l.port();
  }());

  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};
  std::atomic<int> accepted[2] = {0, 0};

  auto worker = [&](int index) {
    brisk::run([](std::uint16_t p, std::atomic<int>* count, std::atomic<int>* up,
                  std::atomic<bool>* done) -> Task<void> {
      auto listener = TcpListener::bind("127.0.0.1", p, {.backlog = 128, .reuse_port = true});
      ++*up;
      auto acceptor = [](TcpListener* l, std::atomic<int>* c) -> Task<void> {
        for (;;) {
          TcpStream s = co_await l->accept();
          ++*c;
        }
      };
      auto h = brisk::spawn(acceptor(&listener, count));
      while (!done->load()) {
        co_await brisk::sleep(5ms);
      }
      h.cancel();
      co_await h.finished();
    }(port, &accepted[index], &ready, &stop));
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  while (ready.load() < 2) {
    std::this_thread::sleep_for(1ms);
  }

  brisk::run([](std::uint16_t p) -> Task<void> {
    // The kernel hashes each connection's source port to one listener;
    // 200 connections land on both with overwhelming probability.
    for (int i = 0; i < 200; ++i) {
      TcpStream s = co_await TcpStream::connect("127.0.0.1", p);
    }
  }(port));
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (accepted[0] + accepted[1] < 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  stop = true;
  a.join();
  b.join();
  REQUIRE(accepted[0] + accepted[1] == 200);
  REQUIRE(accepted[0] > 0);
  REQUIRE(accepted[1] > 0);
}

TEST_CASE("a hang-up watch cancels the task when the peer closes, and keeps early bytes", "[tcp][hangup]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);

    // Bytes that arrive while the task is busy elsewhere wait for its next read().
    auto [client, server] = co_await connected_pair(listener);
    server.watch_hangup(brisk::current_task());
    co_await client.write("early");
    co_await brisk::sleep(20ms);
    server.watch_hangup(nullptr);
    std::string got(co_await server.read());
    REQUIRE(got == "early");

    // The peer going away while the watched task sleeps cancels that task.
    auto handler = brisk::spawn(busy_while_watched(&server));
    co_await brisk::sleep(5ms);
    client.close();
    bool cancelled_by_hangup = co_await handler;
    REQUIRE(cancelled_by_hangup);
    std::string_view after = co_await server.read();
    REQUIRE(after.empty());
  }());
}

namespace {

// Whether this loop's epoll instance watches `fd` edge-triggered, read from
// /proc/self/fdinfo of the epoll descriptor ("tfd: 12 events: 80000019 ...").
bool watched_edge_triggered(int fd) {
  const int epfd = uv_backend_fd(brisk::Loop::current().uv());
  std::ifstream info("/proc/self/fdinfo/" + std::to_string(epfd));
  std::string line;
  while (std::getline(info, line)) {
    std::istringstream fields(line);
    std::string tfd_key, events_key, events;
    int tfd = -1;
    if (fields >> tfd_key >> tfd >> events_key >> events && tfd_key == "tfd:" && tfd == fd) {
      return (std::stoul(events, nullptr, 16) & EPOLLET) != 0;
    }
  }
  return false;
}

// A client on a plain blocking socket, so that the test decides exactly what
// reaches the server before the loop next polls.
int raw_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

void raw_send(int fd, std::string_view bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
}

// What a server-side reader that always comes straight back to read() got,
// as a keep-alive connection's request loop reads.
struct Received {
  std::string bytes;
  bool ended = false;
};

Task<void> collect(TcpStream* s, Received* r) {
  for (;;) {
    std::string_view data = co_await s->read();
    if (data.empty()) {
      r->ended = true;
      co_return;
    }
    r->bytes.append(data);
  }
}

// A server stream on `listener` with a raw client, switched to edge-triggered
// by two short requests read by `got`'s collector (where the runtime reads
// edge-triggered at all).
struct ArmedStream {
  int client = -1;
  TcpStream server;
  Received got;
  JoinHandle<void> reader;
};

Task<bool> arm(TcpListener* listener, ArmedStream* a) {
  auto pending = brisk::spawn(accept_one(listener));
  a->client = raw_connect(listener->port());
  a->server = co_await std::move(pending);
  a->reader = brisk::spawn(collect(&a->server, &a->got));
  raw_send(a->client, "one");
  bool first = co_await eventually([a] { return a->got.bytes == "one"; });
  bool level_after_first = !watched_edge_triggered(a->server.fileno());
  raw_send(a->client, "two");
  bool second = co_await eventually([a] { return a->got.bytes == "onetwo"; });
  // Edge-triggered now, unless the runtime reads level-triggered only
  // (brisk::set_edge_triggered(false): the suite runs both ways).
  co_return first && level_after_first && second &&
            watched_edge_triggered(a->server.fileno()) == brisk::edge_triggered();
}

// Ends the collector, done or not (a test that failed must not hang).
Task<void> stop(ArmedStream& a) {
  a.reader.cancel();
  co_await ends_cancelled(a.reader);
  ::close(a.client);
}

}  // namespace

// Level-triggered epoll puts each socket it reports straight back on its
// ready list; runtime/src/tcp.cpp switches keep-alive sockets to
// edge-triggered, which must never miss a report.
TEST_CASE("edge-triggered reads: a FIN that arrives with the last bytes still ends the stream", "[tcp][edge]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    ArmedStream a;
    bool armed = co_await arm(&listener, &a);
    raw_send(a.client, "three");
    ::shutdown(a.client, SHUT_WR);  // both queued before the loop polls again
    bool ended = co_await eventually([&a] { return a.got.ended; });
    co_await stop(a);
    REQUIRE(armed);
    REQUIRE(a.got.bytes == "onetwothree");
    REQUIRE(ended);
  }());
}

TEST_CASE("edge-triggered reads: a FIN with the last bytes cancels a hang-up-watched task", "[tcp][edge][hangup]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    auto pending = brisk::spawn(accept_one(&listener));
    const int client = raw_connect(listener.port());
    TcpStream server = co_await std::move(pending);
    // As a handler runs: nobody reads, the stream watches for a hang-up and
    // keeps what arrives. Two short reads switch it to edge-triggered.
    auto handler = brisk::spawn(busy_while_watched(&server));
    const int fd = server.fileno();
    raw_send(client, "x");
    // "y" only once "x" has been read, so that they are two reads.
    bool x_read = co_await eventually([fd] {
      int queued = -1;
      return ioctl(fd, FIONREAD, &queued) == 0 && queued == 0;
    });
    REQUIRE(x_read);
    raw_send(client, "y");
    bool armed = !brisk::edge_triggered() || co_await eventually([fd] { return watched_edge_triggered(fd); });
    raw_send(client, "z");
    ::shutdown(client, SHUT_WR);
    bool ended = co_await eventually([&handler] { return handler.done(); });
    if (!ended) {
      handler.cancel();
    }
    bool by_hangup = co_await handler;
    ::close(client);
    REQUIRE(armed);
    REQUIRE(ended);
    REQUIRE(by_hangup);
  }());
}

TEST_CASE("edge-triggered reads: more queued than libuv reads in one report is all read", "[tcp][edge]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    ArmedStream a;
    bool armed = co_await arm(&listener, &a);
    // libuv reads at most 32 times its 64 KiB buffer per report. Room for
    // more than that (SO_RCVBUFFORCE, as root, passes net.core.rmem_max),
    // then bursts while the loop does not poll, and nothing after them.
    const int rcvbuf = 8 << 20;
    const bool forced = setsockopt(a.server.fileno(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) == 0;
    if (!forced) {
      setsockopt(a.server.fileno(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    constexpr int past_libuv_limit = 32 * 64 * 1024 + 64 * 1024;
    const std::string chunk(256 * 1024, 'b');
    std::size_t sent = 0;
    int queued = 0;
    while (queued < past_libuv_limit) {
      const ssize_t n = ::send(a.client, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n <= 0) {
        break;  // the receive window is full
      }
      sent += static_cast<std::size_t>(n);
      ioctl(a.server.fileno(), FIONREAD, &queued);
    }
    if (forced) {
      REQUIRE(queued >= past_libuv_limit);
    } else if (queued < past_libuv_limit) {
      WARN("only " << queued << " bytes queued at once (SO_RCVBUFFORCE refused): libuv's 32-read limit was not reached");
    }
    const std::size_t expected = 6 + sent;
    bool all = co_await eventually([&a, expected] { return a.got.bytes.size() == expected; });
    co_await stop(a);
    REQUIRE(armed);
    REQUIRE(all);
  }());
}

TEST_CASE("edge-triggered reads: a write that waits for room, and reading on meanwhile", "[tcp][edge]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    ArmedStream a;
    bool armed = co_await arm(&listener, &a);
    // 16 MiB do not fit in the socket buffers: libuv waits for room, which
    // registers the socket level-triggered again.
    const std::string reply(16 << 20, 'r');
    auto writer = brisk::spawn([](TcpStream* s, const std::string* bytes) -> Task<void> {
      co_await s->write(*bytes);
    }(&a.server, &reply));
    const int fd = a.server.fileno();
    bool level_while_writing = co_await eventually([fd] { return !watched_edge_triggered(fd); });
    raw_send(a.client, "three");
    bool read_meanwhile = co_await eventually([&a] { return a.got.bytes == "onetwothree"; });
    bool still_level = !watched_edge_triggered(a.server.fileno());  // no switch while the write waits
    std::size_t drained = 0;
    std::string buf(1 << 20, '\0');
    for (auto waited = 0ms; drained < reply.size() && waited < 10s;) {
      const ssize_t n = ::recv(a.client, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n > 0) {
        drained += static_cast<std::size_t>(n);
      } else if (n == 0 || errno != EAGAIN) {
        break;
      } else {
        co_await brisk::sleep(1ms);  // the loop writes more meanwhile
        waited += 1ms;
      }
    }
    if (drained < reply.size()) {
      a.server.close();  // a write that cannot finish must not hang the run
    }
    try {
      co_await writer;
    } catch (const brisk::UvError&) {
    }
    // The write done, the next short request switches it back.
    raw_send(a.client, "four");
    bool read_after = co_await eventually([&a] { return a.got.bytes == "onetwothreefour"; });
    bool edge_again = watched_edge_triggered(a.server.fileno()) == brisk::edge_triggered();
    co_await stop(a);
    REQUIRE(armed);
    REQUIRE(level_while_writing);
    REQUIRE(read_meanwhile);
    REQUIRE(still_level);
    REQUIRE(drained == reply.size());
    REQUIRE(read_after);
    REQUIRE(edge_again);
  }());
}
