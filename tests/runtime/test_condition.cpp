#include <brisk/runtime/condition.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using brisk::Condition;
using brisk::JoinHandle;
using brisk::Lock;
using brisk::Task;
using brisk::test::ends_cancelled;
using brisk::test::eventually;

namespace {

struct Shared {
  Lock lock;
  Condition cond{lock};
  int items = 0;
  std::vector<int> order;
  bool always_held = true;  // every wake-up returned holding the lock
};

Task<void> consume_one(Shared& s, int id) {
  auto held = co_await s.lock.acquire();
  co_await s.cond.wait_for(held, [&s] { return s.items > 0; });
  s.always_held = s.always_held && s.lock.held_by(held) && s.lock.locked();
  --s.items;
  s.order.push_back(id);
  co_await brisk::sleep(0ms);  // still holding: nobody else may be inside
  s.always_held = s.always_held && s.lock.held_by(held);
}

// Records how wait() ended: returned (1) or raised CancelledError (2), and
// whether the lock was held at that moment. Then parks to be cancelled.
struct Outcome {
  int how = 0;
  bool held = false;
};

Task<void> wait_once(Shared& s, Outcome& out, bool cancel_self = false) {
  auto held = co_await s.lock.acquire();
  if (cancel_self) {
    brisk::current_task()->cancel();  // pending: delivered by the wait below
  }
  try {
    co_await s.cond.wait(held);
  } catch (const brisk::CancelledError&) {
    out.how = 2;
    out.held = s.lock.held_by(held);
    throw;
  }
  out.how = 1;
  out.held = s.lock.held_by(held);
  held.release();
  co_await brisk::sleep(1h);
}

}  // namespace

TEST_CASE("Condition: notify wakes waiters in order, each holding the lock again", "[condition][primitive]") {
  brisk::run([]() -> Task<void> {
    Shared s;
    std::vector<JoinHandle<void>> hs;
    for (int id = 0; id < 4; ++id) {
      hs.push_back(brisk::spawn(consume_one(s, id)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(s.cond.waiters() == 4);
    REQUIRE_FALSE(s.lock.locked());  // wait() let it go
    {
      auto held = co_await s.lock.acquire();
      s.items = 1;
      s.cond.notify();
    }
    co_await brisk::sleep(1ms);
    REQUIRE(s.order == std::vector<int>{0});
    REQUIRE(s.cond.waiters() == 3);
    {
      auto held = co_await s.lock.acquire();
      s.items = 3;
      s.cond.notify_all();
      REQUIRE(s.cond.waiters() == 0);
      REQUIRE(s.lock.waiters() == 3);  // notified, queued for the lock we hold
    }
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(s.order == std::vector<int>{0, 1, 2, 3});
    REQUIRE(s.always_held);
    REQUIRE(s.items == 0);
    REQUIRE_FALSE(s.lock.locked());
  }());
}

TEST_CASE("Condition: notify(n) wakes n waiters, and a waiter whose predicate is false waits again",
          "[condition][primitive]") {
  brisk::run([]() -> Task<void> {
    Shared s;
    std::vector<JoinHandle<void>> hs;
    for (int id = 0; id < 3; ++id) {
      hs.push_back(brisk::spawn(consume_one(s, id)));
    }
    co_await brisk::sleep(1ms);
    {
      auto held = co_await s.lock.acquire();
      s.items = 1;
      s.cond.notify(2);
    }
    // Two woke; the first took the item, the second found none and waits again.
    // That takes the first's sleep(0ms), then a turn for the second: poll until
    // it has. (A 1 ms sleep raced it: when a turn took longer, this task's
    // timer came due with the first's, and ran before the second.)
    static_cast<void>(co_await eventually([&s] { return s.cond.waiters() == 2; }, 100ms));
    REQUIRE(s.order == std::vector<int>{0});
    REQUIRE(s.cond.waiters() == 2);
    REQUIRE(s.items == 0);
    {
      auto held = co_await s.lock.acquire();
      s.items = 2;
      s.cond.notify_all();
    }
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(s.order.size() == 3);
    REQUIRE(s.always_held);
  }());
}

TEST_CASE("Condition: a cancelled wait takes the lock back before CancelledError reaches the waiter",
          "[condition][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Shared s;
    Outcome out;
    auto h = brisk::spawn(wait_once(s, out));
    co_await brisk::sleep(1ms);
    auto held = co_await s.lock.acquire();
    h.cancel();
    co_await brisk::sleep(5ms);
    // Still waiting for the lock we hold: the error has not been raised yet.
    REQUIRE(out.how == 0);
    REQUIRE_FALSE(h.done());
    REQUIRE(s.cond.waiters() == 0);
    REQUIRE(s.lock.waiters() == 1);
    held.release();
    bool was_cancelled = co_await ends_cancelled(h);
    REQUIRE(was_cancelled);
    REQUIRE(out.how == 2);
    REQUIRE(out.held);
    // The lock was released as the error unwound the waiter's guard.
    REQUIRE_FALSE(s.lock.locked());

    // With the lock free at the cancel, the error comes on the next turn.
    Outcome free_out;
    auto k = brisk::spawn(wait_once(s, free_out));
    co_await brisk::sleep(1ms);
    k.cancel();
    bool k_cancelled = co_await ends_cancelled(k);
    REQUIRE(k_cancelled);
    REQUIRE(free_out.how == 2);
    REQUIRE(free_out.held);
    REQUIRE_FALSE(s.lock.locked());
  }());
}

TEST_CASE("Condition: a waiter cancelled before notify is skipped, one notified and cancelled in the same turn "
          "keeps the notification",
          "[condition][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Shared s;
    Outcome first;
    Outcome second;
    auto a = brisk::spawn(wait_once(s, first));
    auto b = brisk::spawn(wait_once(s, second));
    co_await brisk::sleep(1ms);
    a.cancel();
    {
      auto held = co_await s.lock.acquire();
      s.cond.notify();  // `a` has left: this one is for `b`
    }
    bool a_cancelled = co_await ends_cancelled(a);
    REQUIRE(a_cancelled);
    REQUIRE(first.how == 2);
    co_await brisk::sleep(1ms);
    REQUIRE(second.how == 1);
    REQUIRE(second.held);
    b.cancel();
    bool b_cancelled = co_await ends_cancelled(b);
    REQUIRE(b_cancelled);

    Outcome third;
    auto c = brisk::spawn(wait_once(s, third));
    co_await brisk::sleep(1ms);
    {
      auto held = co_await s.lock.acquire();
      s.cond.notify();
      c.cancel();  // after the notify, before `c` runs
    }
    bool c_cancelled = co_await ends_cancelled(c);
    REQUIRE(c_cancelled);
    // wait() returned normally, with the lock; the cancellation came later.
    REQUIRE(third.how == 1);
    REQUIRE(third.held);
    REQUIRE_FALSE(s.lock.locked());
  }());
}

TEST_CASE("Condition: a cancellation pending before wait() raises at once, still holding the lock",
          "[condition][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Shared s;
    Outcome out;
    auto h = brisk::spawn(wait_once(s, out, true));
    bool was_cancelled = co_await ends_cancelled(h);
    REQUIRE(was_cancelled);
    REQUIRE(out.how == 2);
    REQUIRE(out.held);
    REQUIRE_FALSE(s.lock.locked());
    REQUIRE(s.cond.waiters() == 0);
  }());
}

TEST_CASE("Condition: wait and notify without holding the lock throw InvalidStateError", "[condition][primitive]") {
  brisk::run([]() -> Task<void> {
    Lock lock;
    Lock other;
    Condition cond(lock);
    REQUIRE_THROWS_AS(cond.notify(), brisk::InvalidStateError);
    REQUIRE_THROWS_AS(cond.notify_all(), brisk::InvalidStateError);
    Lock::Guard none;
    REQUIRE_THROWS_AS(cond.wait(none), brisk::InvalidStateError);
    auto wrong = co_await other.acquire();
    REQUIRE_THROWS_AS(cond.wait(wrong), brisk::InvalidStateError);
    bool threw = false;
    try {
      co_await cond.wait_for(wrong, [] { return true; });
    } catch (const brisk::InvalidStateError&) {
      threw = true;
    }
    REQUIRE(threw);
    auto held = co_await lock.acquire();
    cond.notify();  // with the lock held and nobody waiting: fine
    REQUIRE(cond.waiters() == 0);
  }());
}
