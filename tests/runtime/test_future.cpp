#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/future.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Future;
using brisk::Task;
using brisk::test::CapturedLog;
using brisk::test::ends_cancelled;

namespace {

Task<std::string> await_value(Future<std::string>* f) { co_return co_await *f; }

// Awaits `f`; what it raised, or "ok".
Task<std::string> outcome_of(Future<int>* f) {
  try {
    co_await *f;
  } catch (const brisk::CancelledError&) {
    co_return "cancelled";
  } catch (const std::exception& e) {
    co_return e.what();
  }
  co_return "ok";
}

}  // namespace

TEST_CASE("Future: every awaiter gets the one result, set from a timer's callback", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<std::string> f;
    auto a = brisk::spawn(await_value(&f));
    auto b = brisk::spawn(await_value(&f));
    co_await brisk::sleep(1ms);
    REQUIRE(f.waiters() == 2);
    REQUIRE_FALSE(f.done());
    // A plain callback on the loop's thread, outside any task.
    brisk::TimerNode timer{[](void* fut) noexcept { static_cast<Future<std::string>*>(fut)->set_result("reply"); },
                           &f};
    timer.start(brisk::Loop::current(), 5ms);
    auto got = co_await a;
    REQUIRE(got == "reply");
    auto got2 = co_await b;
    REQUIRE(got2 == "reply");
    REQUIRE(f.done());
    REQUIRE_FALSE(f.cancelled());
    REQUIRE(f.result() == "reply");
    REQUIRE(f.exception() == nullptr);
    // Done: an await returns at once, the same value.
    auto got3 = co_await f;
    REQUIRE(got3 == "reply");
  }());
}

TEST_CASE("Future: set once, and a second set, or asking a pending one, is InvalidStateError", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<int> f;
    REQUIRE_THROWS_AS(f.result(), brisk::InvalidStateError);
    REQUIRE_THROWS_AS(f.exception(), brisk::InvalidStateError);
    REQUIRE_THROWS_AS(f.set_exception(nullptr), brisk::InvalidStateError);
    f.set_result(1);
    REQUIRE_THROWS_AS(f.set_result(2), brisk::InvalidStateError);
    REQUIRE_THROWS_AS(f.set_exception(std::make_exception_ptr(std::runtime_error("late"))),
                      brisk::InvalidStateError);
    REQUIRE_FALSE(f.cancel());
    REQUIRE(f.result() == 1);

    Future<void> v;
    v.set_result();
    REQUIRE_THROWS_AS(v.set_result(), brisk::InvalidStateError);
    co_await v;
    co_return;
  }());
}

TEST_CASE("Future: an exception reaches every awaiter, and result() rethrows it", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<int> f;
    auto a = brisk::spawn(outcome_of(&f));
    auto b = brisk::spawn(outcome_of(&f));
    co_await brisk::sleep(1ms);
    f.set_exception(std::make_exception_ptr(std::runtime_error("backend down")));
    auto got = co_await a;
    REQUIRE(got == "backend down");
    auto got2 = co_await b;
    REQUIRE(got2 == "backend down");
    REQUIRE_THROWS_AS(f.result(), std::runtime_error);
    REQUIRE(f.exception() != nullptr);
  }());
}

TEST_CASE("Future: cancel() wakes every awaiter with CancelledError", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<int> f;
    auto a = brisk::spawn(outcome_of(&f));
    auto b = brisk::spawn(outcome_of(&f));
    co_await brisk::sleep(1ms);
    REQUIRE(f.cancel());
    REQUIRE_FALSE(f.cancel());
    REQUIRE(f.cancelled());
    REQUIRE(f.done());
    auto got = co_await a;
    REQUIRE(got == "cancelled");
    auto got2 = co_await b;
    REQUIRE(got2 == "cancelled");
    REQUIRE_THROWS_AS(f.result(), brisk::CancelledError);
    REQUIRE_THROWS_AS(f.exception(), brisk::CancelledError);
    REQUIRE_THROWS_AS(f.set_result(1), brisk::InvalidStateError);
  }());
}

TEST_CASE("Future: a cancelled awaiter leaves, the others wait on", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<std::string> f;
    auto leaving = brisk::spawn(await_value(&f));
    auto staying = brisk::spawn(await_value(&f));
    co_await brisk::sleep(1ms);
    leaving.cancel();
    REQUIRE(co_await ends_cancelled(leaving));
    REQUIRE(f.waiters() == 1);
    REQUIRE_FALSE(f.done());  // a waiter's cancellation is not the future's
    f.set_result("still here");
    auto got = co_await staying;
    REQUIRE(got == "still here");
  }());
}

TEST_CASE("Future: woken and cancelled in the same turn, the awaiter keeps its result", "[future]") {
  brisk::run([]() -> Task<void> {
    Future<int> f;
    int got = 0;
    auto waiter = brisk::spawn([](Future<int>* fut, int* out) -> Task<void> {
      *out = co_await *fut;
      co_await brisk::sleep(1s);  // where the cancellation lands
    }(&f, &got));
    co_await brisk::sleep(1ms);
    f.set_result(7);
    waiter.cancel();
    REQUIRE(co_await ends_cancelled(waiter));
    REQUIRE(got == 7);
  }());
}

TEST_CASE("Future: destroyed while awaited, it wakes its awaiters with CancelledError", "[future]") {
  CapturedLog log;
  brisk::run([]() -> Task<void> {
    auto f = std::make_unique<Future<int>>();
    auto a = brisk::spawn(outcome_of(f.get()));
    co_await brisk::sleep(1ms);
    f.reset();
    auto got = co_await a;
    REQUIRE(got == "cancelled");
  }());
  REQUIRE(log.contains("Future destroyed while 1 task(s) awaited it"));
}

TEST_CASE("Future: an exception nobody retrieved is logged when the future goes", "[future]") {
  CapturedLog log;
  brisk::run([]() -> Task<void> {
    Future<int> retrieved;
    retrieved.set_exception(std::make_exception_ptr(std::runtime_error("seen")));
    REQUIRE(retrieved.exception() != nullptr);
    Future<int> lost;
    lost.set_exception(std::make_exception_ptr(std::runtime_error("never seen")));
    co_return;
  }());
  REQUIRE(log.contains("never retrieved: never seen"));
  REQUIRE(log.lines.size() == 1);
}

TEST_CASE("Future: awaiting a done future spends the budget and lets others run", "[future][coop]") {
  brisk::run([]() -> Task<void> {
    Future<int> f;
    f.set_result(1);
    const int ticks = co_await brisk::test::ticks_during([](Future<int>* fut) -> Task<void> {
      long sum = 0;
      for (int i = 0; i < 10 * brisk::coop::budget; ++i) {
        sum += co_await *fut;
      }
      REQUIRE(sum == 10 * brisk::coop::budget);
    }(&f));
    REQUIRE(ticks >= 5);
  }());
}
