#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Task;
using brisk::TcpListener;
using brisk::TcpStream;
using brisk::test::accept_one;

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

    auto pending = brisk::spawn(accept_one(&listener));
    TcpStream client = co_await TcpStream::connect("127.0.0.1", listener.port());
    TcpStream server = co_await std::move(pending);
    client.close();
    std::string_view at_end = co_await server.read();
    REQUIRE(at_end.empty());

    pending = brisk::spawn(accept_one(&listener));
    client = co_await TcpStream::connect("127.0.0.1", listener.port());
    server = co_await std::move(pending);
    client.reset();
    bool reset_seen = false;
    try {
      static_cast<void>(co_await server.read());
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
    auto pending = brisk::spawn(accept_one(&listener));
    TcpStream client = co_await TcpStream::connect("127.0.0.1", listener.port());
    TcpStream server = co_await std::move(pending);

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

TEST_CASE("closing a stream wakes its parked reader", "[tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = TcpListener::bind("127.0.0.1", 0);
    auto pending = brisk::spawn(accept_one(&listener));
    TcpStream client = co_await TcpStream::connect("127.0.0.1", listener.port());
    TcpStream server = co_await std::move(pending);
    auto reader = [](TcpStream* s) -> Task<void> { static_cast<void>(co_await s->read()); };
    auto blocked = brisk::spawn(reader(&server));
    co_await brisk::sleep(2ms);
    server.close();
    REQUIRE_THROWS_AS(co_await blocked, brisk::UvError);
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
    auto pending = brisk::spawn(accept_one(&listener));
    TcpStream client = co_await TcpStream::connect("127.0.0.1", listener.port());
    TcpStream server = co_await std::move(pending);
    server.watch_hangup(brisk::current_task());
    co_await client.write("early");
    co_await brisk::sleep(20ms);
    server.watch_hangup(nullptr);
    std::string got(co_await server.read());
    REQUIRE(got == "early");

    // The peer going away while the watched task sleeps cancels that task.
    auto busy = [](TcpStream* s) -> Task<bool> {
      s->watch_hangup(brisk::current_task());
      try {
        co_await brisk::sleep(5s);
      } catch (const brisk::CancelledError&) {
        co_return s->hung_up();
      }
      co_return false;
    };
    auto handler = brisk::spawn(busy(&server));
    co_await brisk::sleep(5ms);
    client.close();
    bool cancelled_by_hangup = co_await handler;
    REQUIRE(cancelled_by_hangup);
    std::string_view after = co_await server.read();
    REQUIRE(after.empty());
  }());
}
