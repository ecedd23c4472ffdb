#pragma once
// Small pieces several runtime test files share.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <utility>

namespace brisk::test {

// Awaits a task that is expected to end by cancellation; true when it did.
template <typename T>
Task<bool> ends_cancelled(JoinHandle<T>& h) {
  try {
    co_await h;
  } catch (const CancelledError&) {
    co_return true;
  }
  co_return false;
}

// Polls `done` every millisecond from the loop, so that the test never blocks
// the loop it observes, until it holds or `limit` has passed; whether it held.
// For state other tasks reach after timers or I/O of their own: a fixed sleep
// races them when the machine is slow.
template <typename Pred>
Task<bool> eventually(Pred done, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      co_return false;
    }
    co_await sleep(std::chrono::milliseconds(1));
  }
  co_return true;
}

// Keeps the loop busy for `d` without suspending, as a handler that computes
// before it awaits does: the loop's cached time stays where the turn began.
inline void busy_for(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

inline Task<TcpStream> accept_one(TcpListener* listener) { co_return co_await listener->accept(); }

// Both ends of a new loopback connection to `listener`.
struct StreamPair {
  TcpStream client;
  TcpStream server;
};
inline Task<StreamPair> connected_pair(TcpListener& listener) {
  auto pending = spawn(accept_one(&listener));
  TcpStream client = co_await TcpStream::connect("127.0.0.1", listener.port());
  TcpStream server = co_await std::move(pending);
  co_return StreamPair{std::move(client), std::move(server)};
}

}  // namespace brisk::test
