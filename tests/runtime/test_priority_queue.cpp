#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/priority_queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <utility>

using namespace std::chrono_literals;
using brisk::Task;
using Job = std::pair<int, std::string>;

TEST_CASE("PriorityQueue: get() returns the smallest item first", "[priority_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::PriorityQueue<Job> jobs;
    co_await jobs.put(Job{3, "three"});
    co_await jobs.put(Job{1, "one"});
    REQUIRE(jobs.try_put(Job{2, "two"}));
    REQUIRE(jobs.size() == 3);
    auto got = co_await jobs.get();
    REQUIRE(got.second == "one");
    REQUIRE(jobs.try_get()->second == "two");
    auto got2 = co_await jobs.get();
    REQUIRE(got2.second == "three");
    REQUIRE_FALSE(jobs.try_get());

    brisk::PriorityQueue<int, std::greater<int>> largest_first;
    largest_first.try_put(1);
    largest_first.try_put(9);
    largest_first.try_put(5);
    auto got3 = co_await largest_first.get();
    REQUIRE(got3 == 9);
    auto got4 = co_await largest_first.get();
    REQUIRE(got4 == 5);
  }());
}

TEST_CASE("PriorityQueue: a waiting getter is handed the item, waiting putters go in as room comes", "[priority_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::PriorityQueue<int> q(1);
    auto getter = brisk::spawn([](brisk::PriorityQueue<int>* pq) -> Task<int> { co_return co_await pq->get(); }(&q));
    co_await brisk::sleep(1ms);
    q.try_put(7);
    auto got = co_await getter;
    REQUIRE(got == 7);

    q.try_put(5);  // full now
    auto put_later = [](brisk::PriorityQueue<int>* pq, int v) -> Task<void> { co_await pq->put(v); };
    auto a = brisk::spawn(put_later(&q, 3));
    auto b = brisk::spawn(put_later(&q, 1));
    co_await brisk::sleep(1ms);
    REQUIRE(q.size() == 1);
    // Each get makes room for the longest-waiting putter, whose item is then ordered.
    auto got2 = co_await q.get();
    REQUIRE(got2 == 5);
    auto got3 = co_await q.get();
    REQUIRE(got3 == 3);
    auto got4 = co_await q.get();
    REQUIRE(got4 == 1);
    co_await a;
    co_await b;
  }());
}

TEST_CASE("PriorityQueue: a cancelled putter leaves nothing, a closed queue drains then refuses", "[priority_queue]") {
  brisk::run([]() -> Task<void> {
    brisk::PriorityQueue<int> q(1);
    q.try_put(4);
    auto putter = brisk::spawn([](brisk::PriorityQueue<int>* pq) -> Task<void> { co_await pq->put(0); }(&q));
    co_await brisk::sleep(1ms);
    putter.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(putter));
    REQUIRE(q.size() == 1);
    q.close();
    auto got = co_await q.get();
    REQUIRE(got == 4);
    REQUIRE_THROWS_AS(q.try_get(), brisk::QueueClosed);
  }());
}

TEST_CASE("PriorityQueue: taking from a full queue spends the budget", "[priority_queue][coop]") {
  brisk::run([]() -> Task<void> {
    brisk::PriorityQueue<int> q;
    const int n = 10 * brisk::coop::budget;
    for (int i = n; i > 0; --i) {
      q.try_put(i);
    }
    const int ticks = co_await brisk::test::ticks_during([](brisk::PriorityQueue<int>* pq, int count) -> Task<void> {
      for (int i = 1; i <= count; ++i) {
        auto got = co_await pq->get();
        REQUIRE(got == i);
      }
    }(&q, n));
    REQUIRE(ticks >= 5);
  }());
}
