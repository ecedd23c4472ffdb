#include <brisk/runtime/as_completed.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using brisk::test::fail_after;
using brisk::test::nap;

TEST_CASE("as_completed yields the tasks in the order they finish", "[as_completed]") {
  brisk::run([]() -> Task<void> {
    std::vector<brisk::JoinHandle<int>> tasks;
    tasks.push_back(brisk::spawn(nap(60)));
    tasks.push_back(brisk::spawn(fail_after(30, "middle")));
    tasks.push_back(brisk::spawn(nap(5)));
    std::vector<std::string> seen;
    auto finished = brisk::as_completed(std::move(tasks));
    while (auto h = co_await finished.next()) {
      REQUIRE(h->done());
      try {
        seen.push_back(std::to_string(co_await *h));
      } catch (const std::runtime_error& e) {
        seen.push_back(e.what());
      }
    }
    REQUIRE(brisk::test::joined(seen) == "5 | middle | 60");
  }());
}

TEST_CASE("as_completed: tasks done before the first next() come first, in the given order", "[as_completed]") {
  brisk::run([]() -> Task<void> {
    std::vector<brisk::JoinHandle<int>> tasks;
    tasks.push_back(brisk::spawn(nap(20)));
    tasks.push_back(brisk::spawn(nap(2)));
    tasks.push_back(brisk::spawn(nap(1)));
    co_await brisk::sleep(10ms);
    std::vector<int> seen;
    auto finished = brisk::as_completed(std::move(tasks));
    while (auto h = co_await finished.next()) {
      seen.push_back(h->result());
    }
    REQUIRE(seen.size() == 3);
    REQUIRE(seen[0] == 2);
    REQUIRE(seen[1] == 1);
    REQUIRE(seen[2] == 20);
  }());
}

TEST_CASE("as_completed dropped half-way leaves the other tasks running", "[as_completed]") {
  brisk::run([]() -> Task<void> {
    std::vector<brisk::JoinHandle<int>> tasks;
    tasks.push_back(brisk::spawn(nap(5)));
    tasks.push_back(brisk::spawn(nap(40)));
    auto slow = tasks[1];
    {
      auto finished = brisk::as_completed(std::move(tasks));
      auto first = co_await finished.next();
      REQUIRE(first->result() == 5);
    }  // destroyed while watching the slow task
    REQUIRE_FALSE(slow.done());
    auto got = co_await slow;
    REQUIRE(got == 40);
  }());
}

TEST_CASE("cancelling the consumer of as_completed raises out of next() and cancels no task", "[as_completed]") {
  brisk::run([]() -> Task<void> {
    std::vector<brisk::JoinHandle<int>> tasks;
    tasks.push_back(brisk::spawn(nap(40)));
    auto consumer = brisk::spawn([](std::vector<brisk::JoinHandle<int>> t) -> Task<void> {
      auto finished = brisk::as_completed(std::move(t));
      while (co_await finished.next()) {
      }
    }(tasks));
    co_await brisk::sleep(5ms);
    consumer.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(consumer));
    auto got = co_await tasks[0];
    REQUIRE(got == 40);
  }());
}
