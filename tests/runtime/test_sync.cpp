#include <brisk/runtime/condition.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::Task;

using brisk::test::ends_cancelled;

TEST_CASE("ten workers behind Semaphore(3) never exceed three at once, and all finish", "[semaphore]") {
  brisk::run([]() -> Task<void> {
    brisk::Semaphore sem(3);
    int running = 0;
    int peak = 0;
    int finished = 0;
    auto worker = [](brisk::Semaphore& s, int& run, int& top, int& done, int i) -> Task<void> {
      auto permit = co_await s.acquire();
      top = std::max(top, ++run);
      co_await brisk::sleep(std::chrono::milliseconds(5 + i % 3));
      --run;
      ++done;
    };
    std::vector<JoinHandle<void>> hs;
    for (int i = 0; i < 10; ++i) {
      hs.push_back(brisk::spawn(worker(sem, running, peak, finished, i)));
    }
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(peak == 3);
    REQUIRE(finished == 10);
    REQUIRE(sem.value() == 3);
  }());
}

TEST_CASE("acquire_for gives up after its wait and leaves the semaphore intact", "[semaphore]") {
  brisk::run([]() -> Task<void> {
    brisk::Semaphore sem(1);
    auto held = co_await sem.acquire();
    auto start = std::chrono::steady_clock::now();
    auto none = co_await sem.acquire_for(30ms);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(none.has_value());
    REQUIRE(took >= 29ms);
    REQUIRE(sem.waiters() == 0);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
    held.release();
    auto got = co_await sem.acquire_for(30ms);
    REQUIRE(got.has_value());
  }());
}

TEST_CASE("BoundedSemaphore refuses a release above its initial value", "[semaphore]") {
  brisk::BoundedSemaphore sem(1);
  REQUIRE_THROWS_AS(sem.release(), std::logic_error);
}

TEST_CASE("Lock keeps a critical section exclusive across awaits", "[lock]") {
  brisk::run([]() -> Task<void> {
    brisk::Lock lock;
    int inside = 0;
    bool overlapped = false;
    std::vector<int> order;
    auto critical = [](brisk::Lock& l, int& in, bool& overlap, std::vector<int>& ord, int i) -> Task<void> {
      auto held = co_await l.acquire();
      overlap = overlap || ++in > 1;
      co_await brisk::sleep(2ms);
      ord.push_back(i);
      --in;
    };
    std::vector<JoinHandle<void>> hs;
    for (int i = 0; i < 5; ++i) {
      hs.push_back(brisk::spawn(critical(lock, inside, overlapped, order, i)));
    }
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE_FALSE(overlapped);
    REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4});  // FIFO
    REQUIRE_FALSE(lock.locked());
  }());
}

TEST_CASE("Event wakes every waiter", "[event]") {
  brisk::run([]() -> Task<void> {
    brisk::Event ev;
    int woken = 0;
    auto waiter = [](brisk::Event& e, int& n) -> Task<void> {
      co_await e.wait();
      ++n;
    };
    auto a = brisk::spawn(waiter(ev, woken));
    auto b = brisk::spawn(waiter(ev, woken));
    co_await brisk::sleep(1ms);
    REQUIRE(woken == 0);
    ev.set();
    co_await a;
    co_await b;
    REQUIRE(woken == 2);
  }());
}

TEST_CASE("producer and two consumers over Queue<int>(10) with task_done and join", "[queue]") {
  brisk::run([]() -> Task<void> {
    brisk::Queue<int> q(10);
    long sum = 0;
    std::size_t max_size = 0;
    auto consumer = [](brisk::Queue<int>& queue, long& total) -> Task<void> {
      for (;;) {
        int v = co_await queue.get();
        total += v;
        co_await brisk::sleep(0ms);
        queue.task_done();
      }
    };
    auto c1 = brisk::spawn(consumer(q, sum));
    auto c2 = brisk::spawn(consumer(q, sum));
    for (int i = 1; i <= 100; ++i) {
      co_await q.put(i);
      max_size = std::max(max_size, q.size());
    }
    co_await q.join();
    REQUIRE(sum == 5050);
    REQUIRE(max_size <= 10);
    c1.cancel();
    c2.cancel();
    REQUIRE(co_await ends_cancelled(c1));
    REQUIRE(co_await ends_cancelled(c2));
  }());
}

TEST_CASE("a closed Queue drains, then raises QueueClosed, and wakes its waiters", "[queue]") {
  brisk::run([]() -> Task<void> {
    brisk::Queue<int> q;
    auto getter = [](brisk::Queue<int>& queue) -> Task<bool> {
      try {
        co_await queue.get();
      } catch (const brisk::QueueClosed&) {
        co_return true;
      }
      co_return false;
    };
    auto waiting = brisk::spawn(getter(q));
    co_await brisk::sleep(1ms);
    q.close();
    bool woke_closed = co_await waiting;
    REQUIRE(woke_closed);

    brisk::Queue<int> r;
    REQUIRE(r.try_put(7));
    r.close();
    REQUIRE_THROWS_AS(r.try_put(8), brisk::QueueClosed);
    int left = co_await r.get();
    REQUIRE(left == 7);
    bool then_closed = co_await getter(r);
    REQUIRE(then_closed);
  }());
}

TEST_CASE("a task cancelled in each kind of wait wakes with CancelledError and holds nothing", "[cancel][sync]") {
  brisk::run([]() -> Task<void> {
    brisk::Event ev;
    brisk::Lock lock;
    brisk::Semaphore sem(1);
    brisk::Queue<int> empty;
    brisk::Queue<int> full(1);
    REQUIRE(full.try_put(1));
    auto held_lock = co_await lock.acquire();
    auto held_permit = co_await sem.acquire();

    auto on_event = [](brisk::Event& e) -> Task<void> { co_await e.wait(); };
    auto on_lock = [](brisk::Lock& l) -> Task<void> { auto g = co_await l.acquire(); };
    auto on_sem = [](brisk::Semaphore& s) -> Task<void> { auto g = co_await s.acquire(); };
    auto on_get = [](brisk::Queue<int>& q) -> Task<void> { static_cast<void>(co_await q.get()); };
    auto on_put = [](brisk::Queue<int>& q) -> Task<void> { co_await q.put(2); };

    std::vector<JoinHandle<void>> hs;
    hs.push_back(brisk::spawn(on_event(ev)));
    hs.push_back(brisk::spawn(on_lock(lock)));
    hs.push_back(brisk::spawn(on_sem(sem)));
    hs.push_back(brisk::spawn(on_get(empty)));
    hs.push_back(brisk::spawn(on_put(full)));
    co_await brisk::sleep(2ms);
    for (auto& h : hs) {
      h.cancel();
    }
    for (auto& h : hs) {
      bool cancelled = co_await ends_cancelled(h);
      REQUIRE(cancelled);
    }
    // Nothing leaked: the waits are gone and the resources still work.
    REQUIRE(lock.waiters() == 0);
    REQUIRE(sem.waiters() == 0);
    REQUIRE(full.size() == 1);
    held_lock.release();
    held_permit.release();
    REQUIRE(lock.try_acquire().has_value());
    REQUIRE(sem.try_acquire().has_value());
  }());
}

TEST_CASE("a permit handed to a waiter cancelled in the same turn is not lost", "[semaphore][cancel]") {
  brisk::run([]() -> Task<void> {
    brisk::Semaphore sem(1);
    auto held = co_await sem.acquire();
    auto taker = [](brisk::Semaphore& s) -> Task<void> {
      auto g = co_await s.acquire();
      co_await brisk::sleep(1h);  // the pending cancellation lands here; g releases
    };
    auto h = brisk::spawn(taker(sem));
    co_await brisk::sleep(1ms);
    held.release();  // the permit goes to the waiter...
    h.cancel();      // ...which is cancelled before it runs
    bool cancelled = co_await ends_cancelled(h);
    REQUIRE(cancelled);
    REQUIRE(sem.value() == 1);
  }());
}

TEST_CASE("Condition: notify wakes a waiter holding the lock again; a cancelled wait re-takes it", "[condition]") {
  brisk::run([]() -> Task<void> {
    brisk::Lock lock;
    brisk::Condition cond(lock);
    int items = 0;
    auto consumer = [](brisk::Lock& l, brisk::Condition& c, int& n) -> Task<bool> {
      auto held = co_await l.acquire();
      co_await c.wait_for(held, [&n] { return n > 0; });
      --n;
      co_return held.owns() && l.locked();
    };
    auto h = brisk::spawn(consumer(lock, cond, items));
    co_await brisk::sleep(1ms);
    {
      auto held = co_await lock.acquire();
      items = 1;
      cond.notify();
    }
    bool owned = co_await h;
    REQUIRE(owned);
    REQUIRE(items == 0);

    auto canceller = [](brisk::Lock& l, brisk::Condition& c) -> Task<bool> {
      auto held = co_await l.acquire();
      try {
        co_await c.wait(held);
      } catch (const brisk::CancelledError&) {
        co_return held.owns();
      }
      co_return false;
    };
    auto k = brisk::spawn(canceller(lock, cond));
    co_await brisk::sleep(1ms);
    k.cancel();
    bool relocked = co_await k;
    REQUIRE(relocked);
    REQUIRE_FALSE(lock.locked());
  }());
}
