#include <brisk/runtime/barrier.hpp>
#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <cstddef>
#include <string>

using namespace std::chrono_literals;
using brisk::Barrier;
using brisk::Task;

namespace {

Task<std::size_t> arrive(Barrier* b) { co_return co_await b->wait(); }

// Arrives; what the wait raised, or "ok".
Task<std::string> outcome_of(Barrier* b) {
  try {
    co_await b->wait();
  } catch (const brisk::BrokenBarrierError& e) {
    co_return e.what();
  } catch (const brisk::CancelledError&) {
    co_return "cancelled";
  }
  co_return "ok";
}

}  // namespace

TEST_CASE("Barrier: the last arrival releases everyone, and wait() gives the arrival index", "[barrier]") {
  brisk::run([]() -> Task<void> {
    Barrier b(3);
    REQUIRE(b.parties() == 3);
    for (int round = 0; round < 2; ++round) {  // reusable: round after round
      auto first = brisk::spawn(arrive(&b));
      auto second = brisk::spawn(arrive(&b));
      co_await brisk::sleep(1ms);
      REQUIRE(b.n_waiting() == 2);
      REQUIRE_FALSE(first.done());
      auto got = co_await b.wait();  // the last: does not wait
      REQUIRE(got == 2);
      REQUIRE(b.n_waiting() == 0);
      auto got2 = co_await first;
      REQUIRE(got2 == 0);
      auto got3 = co_await second;
      REQUIRE(got3 == 1);
    }
  }());
}

TEST_CASE("Barrier: abort() breaks it for the waiting and every later wait until reset()", "[barrier]") {
  brisk::run([]() -> Task<void> {
    Barrier b(2);
    auto waiting = brisk::spawn(outcome_of(&b));
    co_await brisk::sleep(1ms);
    b.abort();
    REQUIRE(b.broken());
    auto got = co_await waiting;
    REQUIRE(got == "barrier broken");
    auto got2 = co_await outcome_of(&b);
    REQUIRE(got2 == "barrier broken");
    b.reset();
    REQUIRE_FALSE(b.broken());
    auto other = brisk::spawn(arrive(&b));
    co_await brisk::sleep(1ms);
    auto got3 = co_await b.wait();
    REQUIRE(got3 == 1);
    auto got4 = co_await other;
    REQUIRE(got4 == 0);
  }());
}

TEST_CASE("Barrier: reset() breaks the current round only", "[barrier]") {
  brisk::run([]() -> Task<void> {
    Barrier b(3);
    auto waiting = brisk::spawn(outcome_of(&b));
    co_await brisk::sleep(1ms);
    b.reset();
    REQUIRE_FALSE(b.broken());
    auto got = co_await waiting;
    REQUIRE(got == "barrier broken");
    REQUIRE(b.n_waiting() == 0);
  }());
}

TEST_CASE("Barrier: a cancelled waiter leaves, and the round needs another arrival", "[barrier]") {
  brisk::run([]() -> Task<void> {
    Barrier b(2);
    auto leaving = brisk::spawn(outcome_of(&b));
    co_await brisk::sleep(1ms);
    leaving.cancel();
    auto got = co_await leaving;
    REQUIRE(got == "cancelled");
    REQUIRE(b.n_waiting() == 0);
    auto staying = brisk::spawn(arrive(&b));
    co_await brisk::sleep(1ms);
    REQUIRE_FALSE(staying.done());
    auto got2 = co_await b.wait();
    REQUIRE(got2 == 1);
    auto got3 = co_await staying;
    REQUIRE(got3 == 0);
  }());
}

TEST_CASE("Barrier: released and cancelled in the same turn, a waiter keeps its index", "[barrier]") {
  brisk::run([]() -> Task<void> {
    Barrier b(2);
    std::size_t got = 99;
    auto waiter = brisk::spawn([](Barrier* bar, std::size_t* out) -> Task<void> {
      *out = co_await bar->wait();
      co_await brisk::sleep(1s);  // where the cancellation lands
    }(&b, &got));
    co_await brisk::sleep(1ms);
    auto last = co_await b.wait();
    REQUIRE(last == 1);
    waiter.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(waiter));
    REQUIRE(got == 0);
    REQUIRE_THROWS_AS(Barrier(0), brisk::InvalidStateError);
  }());
}

TEST_CASE("Barrier: last arrivals that never wait spend the budget", "[barrier][coop]") {
  brisk::run([]() -> Task<void> {
    Barrier alone(1);
    const int ticks = co_await brisk::test::ticks_during([](Barrier* b) -> Task<void> {
      for (int i = 0; i < 10 * brisk::coop::budget; ++i) {
        auto got = co_await b->wait();
        REQUIRE(got == 0);
      }
    }(&alone));
    REQUIRE(ticks >= 5);
  }());
}
