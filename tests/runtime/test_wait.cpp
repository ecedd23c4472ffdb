#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/runtime/wait.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::ReturnWhen;
using brisk::Task;
using brisk::test::fail_after;
using brisk::test::nap;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<brisk::JoinHandle<int>> spawn_naps(int a, int b, int c) {
  std::vector<brisk::JoinHandle<int>> out;
  out.push_back(brisk::spawn(nap(a)));
  out.push_back(brisk::spawn(nap(b)));
  out.push_back(brisk::spawn(nap(c)));
  return out;
}

}  // namespace

TEST_CASE("wait(FIRST_COMPLETED) returns the done and the pending, cancelling nothing", "[wait]") {
  brisk::run([]() -> Task<void> {
    auto [done, pending] = co_await brisk::wait(spawn_naps(300, 10, 300), ReturnWhen::first_completed);
    REQUIRE(done.size() == 1);
    REQUIRE(done[0].result() == 10);
    REQUIRE(pending.size() == 2);
    REQUIRE_FALSE(pending[0].done());
    // Still running: they finish normally.
    auto got = co_await pending[0];
    REQUIRE(got == 300);
    auto got2 = co_await pending[1];
    REQUIRE(got2 == 300);
  }());
}

TEST_CASE("wait(ALL_COMPLETED) waits for every task, and the sets keep the given order", "[wait]") {
  brisk::run([]() -> Task<void> {
    auto [done, pending] = co_await brisk::wait(spawn_naps(30, 10, 20));
    REQUIRE(pending.empty());
    REQUIRE(done.size() == 3);
    REQUIRE(done[0].result() == 30);
    REQUIRE(done[2].result() == 20);
  }());
}

TEST_CASE("wait(FIRST_EXCEPTION) returns at the first failure, or when all are done", "[wait]") {
  brisk::run([]() -> Task<void> {
    std::vector<brisk::JoinHandle<int>> tasks;
    tasks.push_back(brisk::spawn(nap(5)));
    tasks.push_back(brisk::spawn(fail_after(20, "broke")));
    tasks.push_back(brisk::spawn(nap(500)));
    auto [done, pending] = co_await brisk::wait(std::move(tasks), ReturnWhen::first_exception);
    REQUIRE(done.size() == 2);
    REQUIRE_THROWS_WITH(done[1].result(), "broke");
    REQUIRE(pending.size() == 1);
    pending[0].cancel();

    // A cancelled task is not a failure: this waits for all.
    std::vector<brisk::JoinHandle<int>> more;
    more.push_back(brisk::spawn(nap(1000)));
    more.push_back(brisk::spawn(nap(20)));
    more[0].cancel();
    auto [done2, pending2] = co_await brisk::wait(std::move(more), ReturnWhen::first_exception);
    REQUIRE(done2.size() == 2);
    REQUIRE(pending2.empty());
  }());
}

TEST_CASE("wait with a timeout returns what finished in time, raising nothing", "[wait]") {
  auto start = Clock::now();
  brisk::run([]() -> Task<void> {
    auto [done, pending] = co_await brisk::wait(spawn_naps(10, 500, 500), 50ms);
    REQUIRE(done.size() == 1);
    REQUIRE(pending.size() == 2);
    for (auto& p : pending) {
      REQUIRE_FALSE(p.done());
      p.cancel();
    }
    // A zero timeout only looks.
    auto [now_done, now_pending] = co_await brisk::wait(spawn_naps(0, 100, 100), 0ms);
    REQUIRE(now_done.empty());
    REQUIRE(now_pending.size() == 3);
    for (auto& p : now_pending) {
      p.cancel();
    }
  }());
  REQUIRE(Clock::now() - start < 400ms);
}

TEST_CASE("cancelling the task in wait() raises CancelledError and leaves the tasks running", "[wait]") {
  brisk::run([]() -> Task<void> {
    auto tasks = spawn_naps(40, 40, 40);
    auto waiting = brisk::spawn([](std::vector<brisk::JoinHandle<int>> t) -> Task<void> {
      co_await brisk::wait(std::move(t));
    }(tasks));
    co_await brisk::sleep(5ms);
    waiting.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(waiting));
    for (auto& t : tasks) {
      auto got = co_await t;
      REQUIRE(got == 40);
    }
  }());
}

TEST_CASE("wait of no task is a misuse", "[wait]") {
  REQUIRE_THROWS_AS(brisk::run(brisk::wait(std::vector<brisk::JoinHandle<int>>{})), brisk::InvalidStateError);
}
