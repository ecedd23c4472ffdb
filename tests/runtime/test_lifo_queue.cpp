#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/lifo_queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <memory>

using namespace std::chrono_literals;
using brisk::Task;

TEST_CASE("LifoQueue: get() returns the item put last", "[lifo_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::LifoQueue<std::unique_ptr<int>> stack;
    co_await stack.put(std::make_unique<int>(1));
    co_await stack.put(std::make_unique<int>(2));
    stack.try_put(std::make_unique<int>(3));
    auto got = co_await stack.get();
    REQUIRE(*got == 3);
    REQUIRE(**stack.try_get() == 2);
    auto got2 = co_await stack.get();
    REQUIRE(*got2 == 1);
  }());
}

TEST_CASE("LifoQueue: waiters are still served first come, first served", "[lifo_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::LifoQueue<int> q;
    auto get = [](brisk::LifoQueue<int>* lq) -> Task<int> { co_return co_await lq->get(); };
    auto first = brisk::spawn(get(&q));
    auto second = brisk::spawn(get(&q));
    co_await brisk::sleep(1ms);
    q.try_put(10);
    q.try_put(20);
    auto got = co_await first;
    REQUIRE(got == 10);
    auto got2 = co_await second;
    REQUIRE(got2 == 20);
  }());
}

TEST_CASE("LifoQueue: a cancelled getter takes nothing, and join() waits for task_done()", "[lifo_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::LifoQueue<int> q;
    auto getter = brisk::spawn([](brisk::LifoQueue<int>* lq) -> Task<int> { co_return co_await lq->get(); }(&q));
    co_await brisk::sleep(1ms);
    getter.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(getter));
    q.try_put(1);
    REQUIRE(q.size() == 1);
    auto got = co_await q.get();
    REQUIRE(got == 1);
    auto joiner = brisk::spawn([](brisk::LifoQueue<int>* lq) -> Task<void> { co_await lq->join(); }(&q));
    co_await brisk::sleep(1ms);
    REQUIRE_FALSE(joiner.done());
    q.task_done();
    co_await joiner;
  }());
}

TEST_CASE("LifoQueue: taking from a full queue spends the budget", "[lifo_queue][coop]") {
  brisk::run([]() -> Task<void> {
    brisk::LifoQueue<int> q;
    const int n = 10 * brisk::coop::budget;
    for (int i = 0; i < n; ++i) {
      q.try_put(i);
    }
    const int ticks = co_await brisk::test::ticks_during([](brisk::LifoQueue<int>* lq) -> Task<void> {
      while (lq->size() > 0) {
        co_await lq->get();
      }
    }(&q));
    REQUIRE(ticks >= 5);
  }());
}
