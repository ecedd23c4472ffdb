#include <brisk/runtime/queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Queue;
using brisk::QueueClosed;
using brisk::Task;
using brisk::test::ends_cancelled;

namespace {

struct Tally {
  std::vector<int> seen;
  std::size_t max_size = 0;
};

Task<void> consumer(Queue<int>& q, Tally& t) {
  for (;;) {
    int v = co_await q.get();
    t.max_size = std::max(t.max_size, q.size());
    co_await brisk::sleep(std::chrono::milliseconds(v % 2));
    t.seen.push_back(v);
    q.task_done();
  }
}

// Gets one item into `got`, then parks to be cancelled there.
Task<void> get_and_hold(Queue<int>& q, std::optional<int>& got) {
  got = co_await q.get();
  co_await brisk::sleep(1h);
}

// Puts `v`, notes it returned, then parks to be cancelled there.
Task<void> put_and_hold(Queue<int>& q, int v, bool& returned) {
  co_await q.put(v);
  returned = true;
  co_await brisk::sleep(1h);
}

// How a get() ended: the item, or that it raised QueueClosed.
Task<std::optional<int>> get_or_closed(Queue<int>& q) {
  try {
    co_return co_await q.get();
  } catch (const QueueClosed&) {
    co_return std::nullopt;
  }
}

Task<bool> put_raises_closed(Queue<int>& q, int v) {
  try {
    co_await q.put(v);
  } catch (const QueueClosed&) {
    co_return true;
  }
  co_return false;
}

}  // namespace

TEST_CASE("Queue<int>(10): one producer, two consumers, task_done and join", "[queue][primitive]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q(10);
    Tally t;
    auto c1 = brisk::spawn(consumer(q, t));
    auto c2 = brisk::spawn(consumer(q, t));
    std::size_t max_size = 0;
    for (int i = 1; i <= 200; ++i) {
      co_await q.put(i);
      max_size = std::max(max_size, q.size());
    }
    REQUIRE(max_size == 10);  // the producer outran the consumers and was held back
    co_await q.join();
    // join() returned only once every item was processed, each exactly once.
    REQUIRE(t.seen.size() == 200);
    std::sort(t.seen.begin(), t.seen.end());
    for (int i = 1; i <= 200; ++i) {
      REQUIRE(t.seen[static_cast<std::size_t>(i - 1)] == i);
    }
    REQUIRE(t.max_size <= 10);
    REQUIRE(q.empty());
    c1.cancel();
    c2.cancel();
    bool c1_cancelled = co_await ends_cancelled(c1);
    bool c2_cancelled = co_await ends_cancelled(c2);
    REQUIRE(c1_cancelled);
    REQUIRE(c2_cancelled);
  }());
}

TEST_CASE("Queue: FIFO, try_put refuses when full, try_get is empty when empty, sizes", "[queue][primitive]") {
  Queue<int> q(2);
  REQUIRE(q.empty());
  REQUIRE_FALSE(q.full());
  REQUIRE_FALSE(q.try_get().has_value());
  REQUIRE(q.try_put(1));
  REQUIRE(q.try_put(2));
  REQUIRE(q.full());
  REQUIRE(q.size() == 2);
  REQUIRE_FALSE(q.try_put(3));
  REQUIRE(q.size() == 2);
  REQUIRE(q.try_get() == std::optional<int>{1});
  REQUIRE(q.try_get() == std::optional<int>{2});
  REQUIRE(q.empty());

  Queue<int> unbounded;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(unbounded.try_put(i));
  }
  REQUIRE_FALSE(unbounded.full());
  REQUIRE(unbounded.size() == 1000);
}

TEST_CASE("Queue: task_done more often than items were put throws, and join waits for the last task_done",
          "[queue][primitive]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q;
    REQUIRE_THROWS_AS(q.task_done(), std::logic_error);
    co_await q.join();  // nothing unfinished: passes at once
    REQUIRE(q.try_put(1));
    REQUIRE(q.try_put(2));
    bool joined = false;
    auto joiner = [](Queue<int>& queue, bool& done) -> Task<void> {
      co_await queue.join();
      done = true;
    };
    auto j = brisk::spawn(joiner(q, joined));
    REQUIRE(q.try_get().has_value());
    REQUIRE(q.try_get().has_value());
    q.task_done();
    co_await brisk::sleep(1ms);
    REQUIRE_FALSE(joined);  // fetched is not done
    q.task_done();
    co_await j;
    REQUIRE(joined);
    REQUIRE_THROWS_AS(q.task_done(), std::logic_error);
  }());
}

TEST_CASE("Queue: a task cancelled in get raises CancelledError and takes nothing, and the next getter gets the item",
          "[queue][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q;
    std::optional<int> first;
    std::optional<int> second;
    auto a = brisk::spawn(get_and_hold(q, first));
    auto b = brisk::spawn(get_and_hold(q, second));
    co_await brisk::sleep(1ms);
    a.cancel();
    bool a_cancelled = co_await ends_cancelled(a);
    REQUIRE(a_cancelled);
    co_await q.put(7);
    co_await brisk::sleep(1ms);
    REQUIRE_FALSE(first.has_value());
    REQUIRE(second == std::optional<int>{7});
    REQUIRE(q.empty());
    b.cancel();
    bool b_cancelled = co_await ends_cancelled(b);
    REQUIRE(b_cancelled);
  }());
}

TEST_CASE("Queue: a task cancelled in put raises CancelledError and leaves nothing in the queue",
          "[queue][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q(1);
    REQUIRE(q.try_put(1));
    bool returned = false;
    auto h = brisk::spawn(put_and_hold(q, 2, returned));
    co_await brisk::sleep(1ms);
    h.cancel();
    bool h_cancelled = co_await ends_cancelled(h);
    REQUIRE(h_cancelled);
    REQUIRE_FALSE(returned);
    REQUIRE(q.size() == 1);
    REQUIRE(q.try_get() == std::optional<int>{1});
    REQUIRE_FALSE(q.try_get().has_value());
    // The room is not promised to the cancelled putter.
    REQUIRE(q.try_put(3));
  }());
}

TEST_CASE("Queue: an item handed to a getter cancelled in the same turn is not lost", "[queue][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q;
    std::optional<int> got;
    auto h = brisk::spawn(get_and_hold(q, got));
    co_await brisk::sleep(1ms);
    REQUIRE(q.try_put(42));  // handed to the waiting getter...
    h.cancel();              // ...which is cancelled before it runs
    bool h_cancelled = co_await ends_cancelled(h);
    REQUIRE(h_cancelled);
    REQUIRE(got == std::optional<int>{42});
    REQUIRE(q.empty());
  }());
}

TEST_CASE("Queue: a waiting putter's item moves in when room appears, even if the putter is cancelled that turn",
          "[queue][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Queue<int> q(1);
    REQUIRE(q.try_put(1));
    bool first_returned = false;
    bool second_returned = false;
    auto first = brisk::spawn(put_and_hold(q, 2, first_returned));
    co_await brisk::sleep(1ms);
    auto second = brisk::spawn(put_and_hold(q, 3, second_returned));
    co_await brisk::sleep(1ms);
    REQUIRE(q.try_get() == std::optional<int>{1});  // room: 2 moves in at once
    REQUIRE(q.size() == 1);
    REQUIRE(q.full());
    first.cancel();
    bool first_cancelled = co_await ends_cancelled(first);
    REQUIRE(first_cancelled);
    REQUIRE(first_returned);  // its put() completed; the cancellation came after
    int v = co_await q.get();
    REQUIRE(v == 2);
    co_await brisk::sleep(1ms);
    REQUIRE(second_returned);
    int w = co_await q.get();
    REQUIRE(w == 3);
    second.cancel();
    bool second_cancelled = co_await ends_cancelled(second);
    REQUIRE(second_cancelled);
  }());
}

TEST_CASE("Queue: close() wakes waiting getters and putters with QueueClosed, and get drains what is left",
          "[queue][primitive]") {
  brisk::run([]() -> Task<void> {
    Queue<int> empty;
    auto getter = brisk::spawn(get_or_closed(empty));
    co_await brisk::sleep(1ms);
    empty.close();
    REQUIRE(empty.closed());
    auto got = co_await getter;
    REQUIRE_FALSE(got.has_value());
    REQUIRE_THROWS_AS(empty.try_put(1), QueueClosed);  // room to spare, and still closed

    Queue<int> full(1);
    REQUIRE(full.try_put(1));
    auto putter = brisk::spawn(put_raises_closed(full, 2));
    co_await brisk::sleep(1ms);
    full.close();
    bool put_closed = co_await putter;
    REQUIRE(put_closed);
    REQUIRE_THROWS_AS(full.try_put(3), QueueClosed);
    bool late_put_closed = co_await put_raises_closed(full, 3);
    REQUIRE(late_put_closed);
    // What was queued before close() still comes out, then QueueClosed.
    REQUIRE(full.size() == 1);
    auto left = co_await get_or_closed(full);
    REQUIRE(left == std::optional<int>{1});
    auto after = co_await get_or_closed(full);
    REQUIRE_FALSE(after.has_value());
    REQUIRE_THROWS_AS(full.try_get(), QueueClosed);
  }());
}

TEST_CASE("Queue<unique_ptr>: move-only items pass through put/get and the hand-off", "[queue][primitive]") {
  brisk::run([]() -> Task<void> {
    Queue<std::unique_ptr<int>> q(1);
    auto getter = [](Queue<std::unique_ptr<int>>& queue) -> Task<int> {
      auto p = co_await queue.get();
      co_return *p;
    };
    auto g = brisk::spawn(getter(q));
    co_await brisk::sleep(1ms);
    co_await q.put(std::make_unique<int>(5));  // handed straight to the getter
    int got = co_await g;
    REQUIRE(got == 5);
    REQUIRE(q.try_put(std::make_unique<int>(6)));
    auto p = q.try_get();
    REQUIRE(p.has_value());
    REQUIRE(**p == 6);
  }());
}
