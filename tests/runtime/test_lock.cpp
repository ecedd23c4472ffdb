#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Lock;
using brisk::Task;
using brisk::test::ends_cancelled;

namespace {

struct Section {
  int inside = 0;
  bool overlapped = false;
  std::vector<int> order;
};

// Several awaits inside the critical section: another task would get in at
// any of them if the lock did not hold across awaits.
Task<void> critical(Lock& lock, Section& s, int id) {
  auto held = co_await lock.acquire();
  s.overlapped = s.overlapped || ++s.inside > 1;
  co_await brisk::sleep(2ms);
  co_await brisk::sleep(0ms);
  s.overlapped = s.overlapped || s.inside > 1;
  s.order.push_back(id);
  --s.inside;
}

Task<void> lock_and_hold(Lock& lock, int& got) {
  auto held = co_await lock.acquire();
  ++got;
  co_await brisk::sleep(1h);
}

}  // namespace

TEST_CASE("Lock keeps a critical section exclusive across awaits, and serves waiters in order", "[lock][primitive]") {
  brisk::run([]() -> Task<void> {
    Lock lock;
    Section s;
    std::vector<JoinHandle<void>> hs;
    for (int id = 0; id < 5; ++id) {
      hs.push_back(brisk::spawn(critical(lock, s, id)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(lock.locked());
    REQUIRE(lock.waiters() == 4);
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE_FALSE(s.overlapped);
    REQUIRE(s.order == std::vector<int>{0, 1, 2, 3, 4});
    REQUIRE_FALSE(lock.locked());
    REQUIRE(lock.waiters() == 0);
  }());
}

TEST_CASE("Lock: try_acquire, locked() and guards that move and release once", "[lock][primitive]") {
  Lock lock;
  REQUIRE_FALSE(lock.locked());
  auto first = lock.try_acquire();
  REQUIRE(first.has_value());
  REQUIRE(lock.locked());
  REQUIRE(lock.held_by(*first));
  REQUIRE_FALSE(lock.try_acquire().has_value());

  Lock::Guard moved = std::move(*first);
  REQUIRE_FALSE(first->owns());
  REQUIRE(lock.held_by(moved));
  first.reset();  // the moved-from guard releases nothing
  REQUIRE(lock.locked());

  Lock other;
  REQUIRE_FALSE(other.held_by(moved));

  moved.release();
  REQUIRE_FALSE(lock.locked());
  moved.release();  // a second release is a no-op, not an over-release
  REQUIRE_FALSE(lock.locked());

  auto again = lock.try_acquire();
  REQUIRE(again.has_value());
  // Move-assigning over a guard releases what it held first.
  *again = Lock::Guard{};
  REQUIRE_FALSE(lock.locked());
}

TEST_CASE("Lock: a task cancelled in acquire raises CancelledError and the lock is not leaked",
          "[lock][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Lock lock;
    int got = 0;
    auto held = co_await lock.acquire();
    auto h = brisk::spawn(lock_and_hold(lock, got));
    co_await brisk::sleep(1ms);
    REQUIRE(lock.waiters() == 1);
    h.cancel();
    bool h_cancelled = co_await ends_cancelled(h);
    REQUIRE(h_cancelled);
    REQUIRE(got == 0);
    REQUIRE(lock.waiters() == 0);
    held.release();
    REQUIRE_FALSE(lock.locked());
    auto next = co_await lock.acquire();
    REQUIRE(lock.held_by(next));
  }());
}

TEST_CASE("Lock: handed to a waiter cancelled in the same turn, the lock reaches the next waiter",
          "[lock][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Lock lock;
    int got_first = 0;
    int got_second = 0;
    auto held = co_await lock.acquire();
    auto first = brisk::spawn(lock_and_hold(lock, got_first));
    co_await brisk::sleep(1ms);
    auto second = brisk::spawn(lock_and_hold(lock, got_second));
    co_await brisk::sleep(1ms);
    held.release();  // the lock goes to `first`...
    first.cancel();  // ...which is cancelled before it runs
    bool first_cancelled = co_await ends_cancelled(first);
    REQUIRE(first_cancelled);
    REQUIRE(got_first == 1);
    co_await brisk::sleep(1ms);
    REQUIRE(got_second == 1);
    second.cancel();
    bool second_cancelled = co_await ends_cancelled(second);
    REQUIRE(second_cancelled);
    REQUIRE_FALSE(lock.locked());
  }());
}
