#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Semaphore;
using brisk::Task;
using brisk::test::ends_cancelled;

namespace {

using Clock = std::chrono::steady_clock;

struct Gauge {
  int running = 0;
  int peak = 0;
  int finished = 0;
};

Task<void> limited_worker(Semaphore& sem, Gauge& g, int i) {
  auto permit = co_await sem.acquire();
  g.peak = std::max(g.peak, ++g.running);
  co_await brisk::sleep(std::chrono::milliseconds(2 + i % 3));
  --g.running;
  ++g.finished;
}

// Takes a permit, notes it, then parks long enough to be cancelled there.
Task<void> take_and_hold(Semaphore& sem, int& got) {
  auto permit = co_await sem.acquire();
  ++got;
  co_await brisk::sleep(1h);
}

Task<void> take_and_count(Semaphore& sem, std::vector<int>& order, int id) {
  auto permit = co_await sem.acquire();
  order.push_back(id);
}

}  // namespace

TEST_CASE("Semaphore(3): ten workers never run more than three at once, and all finish", "[semaphore][primitive]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(3);
    Gauge g;
    std::vector<JoinHandle<void>> hs;
    for (int i = 0; i < 10; ++i) {
      hs.push_back(brisk::spawn(limited_worker(sem, g, i)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(g.running == 3);
    REQUIRE(sem.value() == 0);
    REQUIRE(sem.waiters() == 7);
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(g.peak == 3);
    REQUIRE(g.finished == 10);
    REQUIRE(sem.value() == 3);
    REQUIRE(sem.waiters() == 0);
  }());
}

TEST_CASE("Semaphore: permits go to waiters first come, first served, and try_acquire does not barge",
          "[semaphore][primitive]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    std::vector<int> order;
    auto held = co_await sem.acquire();
    std::vector<JoinHandle<void>> hs;
    for (int id = 0; id < 4; ++id) {
      hs.push_back(brisk::spawn(take_and_count(sem, order, id)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(sem.waiters() == 4);
    held.release();
    // The permit is already promised to the first waiter.
    REQUIRE_FALSE(sem.try_acquire().has_value());
    REQUIRE(sem.value() == 0);
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(order == std::vector<int>{0, 1, 2, 3});
    auto again = sem.try_acquire();
    REQUIRE(again.has_value());
    REQUIRE(sem.value() == 0);
  }());
}

TEST_CASE("Semaphore: a task cancelled in acquire raises CancelledError and leaks no permit", "[semaphore][primitive]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    int got = 0;
    auto held = co_await sem.acquire();
    auto h = brisk::spawn(take_and_hold(sem, got));
    co_await brisk::sleep(1ms);
    REQUIRE(sem.waiters() == 1);
    h.cancel();
    bool h_cancelled = co_await ends_cancelled(h);
    REQUIRE(h_cancelled);
    REQUIRE(got == 0);
    REQUIRE(sem.waiters() == 0);
    held.release();
    REQUIRE(sem.value() == 1);
    auto next = co_await sem.acquire();
    REQUIRE(next.owns());
  }());
}

TEST_CASE("Semaphore: a permit released to a waiter cancelled in the same turn is not lost",
          "[semaphore][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    int got_first = 0;
    int got_second = 0;
    auto held = co_await sem.acquire();
    auto first = brisk::spawn(take_and_hold(sem, got_first));
    co_await brisk::sleep(1ms);
    auto second = brisk::spawn(take_and_hold(sem, got_second));
    co_await brisk::sleep(1ms);
    held.release();  // the permit goes to `first`...
    first.cancel();  // ...which is cancelled before it runs
    bool first_cancelled = co_await ends_cancelled(first);
    REQUIRE(first_cancelled);
    // `first` took the permit, met the cancellation at its next await and
    // gave the permit back as it unwound: `second` has it now.
    REQUIRE(got_first == 1);
    co_await brisk::sleep(1ms);
    REQUIRE(got_second == 1);
    REQUIRE(sem.value() == 0);
    second.cancel();
    bool second_cancelled = co_await ends_cancelled(second);
    REQUIRE(second_cancelled);
    REQUIRE(sem.value() == 1);
  }());
}

TEST_CASE("Semaphore: a waiter cancelled before the release is skipped, and the next waiter gets the permit",
          "[semaphore][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    int got_first = 0;
    int got_second = 0;
    auto held = co_await sem.acquire();
    auto first = brisk::spawn(take_and_hold(sem, got_first));
    auto second = brisk::spawn(take_and_hold(sem, got_second));
    co_await brisk::sleep(1ms);
    first.cancel();
    held.release();
    bool first_cancelled = co_await ends_cancelled(first);
    REQUIRE(first_cancelled);
    co_await brisk::sleep(1ms);
    REQUIRE(got_first == 0);
    REQUIRE(got_second == 1);
    second.cancel();
    bool second_cancelled = co_await ends_cancelled(second);
    REQUIRE(second_cancelled);
    REQUIRE(sem.value() == 1);
  }());
}

TEST_CASE("BoundedSemaphore: releasing above the initial value throws, while a plain Semaphore grows",
          "[semaphore][primitive]") {
  brisk::BoundedSemaphore bounded(2);
  REQUIRE_THROWS_AS(bounded.release(), std::logic_error);
  REQUIRE(bounded.value() == 2);
  {
    auto a = bounded.try_acquire();
    REQUIRE(a.has_value());
    REQUIRE(bounded.value() == 1);
  }
  REQUIRE(bounded.value() == 2);
  REQUIRE_THROWS_AS(bounded.release(), std::logic_error);
  REQUIRE(bounded.value() == 2);

  Semaphore plain(1);
  plain.release();
  REQUIRE(plain.value() == 2);
}

TEST_CASE("acquire_for: no permit within the wait gives an empty optional after about that long",
          "[semaphore][primitive]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    auto held = co_await sem.acquire();
    auto start = Clock::now();
    auto none = co_await sem.acquire_for(30ms);
    auto took = Clock::now() - start;
    REQUIRE_FALSE(none.has_value());
    REQUIRE(took >= 20ms);  // the timer counts from the loop's cached time, a little earlier
    REQUIRE(took < 1s);
    REQUIRE(sem.waiters() == 0);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
    // A zero wait never suspends: a permit if one is free, else nothing.
    auto zero = co_await sem.acquire_for(0ms);
    REQUIRE_FALSE(zero.has_value());
    held.release();
    auto got = co_await sem.acquire_for(0ms);
    REQUIRE(got.has_value());
    REQUIRE(sem.value() == 0);
    // A bounded wait takes a permit that is free when it starts.
    got->release();
    auto spare = co_await sem.acquire_for(30ms);
    REQUIRE(spare.has_value());
    REQUIRE(sem.value() == 0);
  }());
}

TEST_CASE("acquire_for: a permit released during the wait is taken at once and the timer stopped",
          "[semaphore][primitive]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    auto held = co_await sem.acquire();
    auto release_later = [](Semaphore::Guard g) -> Task<void> {
      co_await brisk::sleep(10ms);
      g.release();
    };
    auto releaser = brisk::spawn(release_later(std::move(held)));
    auto start = Clock::now();
    auto got = co_await sem.acquire_for(5s);
    auto took = Clock::now() - start;
    REQUIRE(got.has_value());
    REQUIRE(took < 1s);
    REQUIRE(sem.value() == 0);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
    co_await releaser;
    got->release();
    REQUIRE(sem.value() == 1);
  }());
}

TEST_CASE("acquire_for: a cancelled bounded wait raises CancelledError, stops its timer, takes nothing",
          "[semaphore][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Semaphore sem(1);
    auto held = co_await sem.acquire();
    bool returned = false;
    auto bounded_wait = [](Semaphore& s, bool& done) -> Task<void> {
      auto p = co_await s.acquire_for(1h);
      done = true;
    };
    auto h = brisk::spawn(bounded_wait(sem, returned));
    co_await brisk::sleep(1ms);
    REQUIRE(brisk::Loop::current().timer_count() == 1);
    h.cancel();
    bool h_cancelled = co_await ends_cancelled(h);
    REQUIRE(h_cancelled);
    REQUIRE_FALSE(returned);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
    REQUIRE(sem.waiters() == 0);
    held.release();
    REQUIRE(sem.value() == 1);
  }());
}
