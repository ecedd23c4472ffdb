#pragma once
// Small pieces several runtime test files share.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk::test {

// Sleeps `ms`, then returns it.
inline Task<int> nap(int ms) {
  co_await sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

// Sleeps `ms`, then throws std::runtime_error(what).
inline Task<int> fail_after(int ms, std::string what) {
  co_await sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error(what);
}

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

// Captures the runtime's log for the length of a test.
struct CapturedLog {
  CapturedLog() {
    brisk::set_log_sink([this](brisk::LogLevel, std::string_view m) { lines.emplace_back(m); });
  }
  ~CapturedLog() { brisk::set_log_sink(nullptr); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  bool contains(std::string_view what) const {
    for (const auto& l : lines) {
      if (l.find(what) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::vector<std::string> lines;
};

// The strings joined by " | ", to compare with one literal: GCC cannot
// compile a braced list (std::vector<std::string>{...}) inside a coroutine.
inline std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : " | ") + p;
  }
  return out;
}

// Counts its turns: each sleep(0) lets the loop run everything else once.
inline Task<void> ticker(int* ticks, const bool* stop) {
  while (!*stop) {
    ++*ticks;
    co_await sleep(std::chrono::milliseconds(0));
  }
}

// How many turns a ticker running beside `work` got while it ran: none when
// `work` held the loop, some when the cooperative budget made it yield.
inline Task<int> ticks_during(Task<void> work) {
  int ticks = 0;
  bool stop = false;
  auto tick = spawn(ticker(&ticks, &stop));
  co_await sleep(std::chrono::milliseconds(0));  // the ticker is running
  const int before = ticks;
  co_await std::move(work);
  stop = true;
  co_await tick;
  co_return ticks - before;
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
