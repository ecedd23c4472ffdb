// SharedSemaphore across loops: each loop runs on a thread of its own
// (brisk::run), as the daemon's workers do. Catch2's assertions are not
// thread-safe, so the loop threads only record what they saw, and the test's
// own thread checks it after joining them.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/shared_semaphore.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::JoinHandle;
using brisk::SharedSemaphore;
using brisk::Task;
using brisk::test::ends_cancelled;
using Clock = std::chrono::steady_clock;

namespace {

// On a thread without a loop: waits until `done` holds or `limit` passes.
template <typename Pred>
bool wait_until(Pred done, Clock::duration limit = 10s) {
  const auto give_up = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > give_up) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

// A Guard handed from one thread to another.
struct Mailbox {
  std::mutex mutex;
  std::optional<SharedSemaphore::Guard> guard;

  void put(SharedSemaphore::Guard g) {
    std::lock_guard lock(mutex);
    guard.emplace(std::move(g));
  }
  std::optional<SharedSemaphore::Guard> take() {
    std::lock_guard lock(mutex);
    return std::exchange(guard, std::nullopt);
  }
  bool full() {
    std::lock_guard lock(mutex);
    return guard.has_value();
  }
};

// On a loop: yields until the test's thread starts `round` (true), or
// gives up with it (false).
Task<bool> round_starts(const std::atomic<int>* current, int round, const std::atomic<bool>* stop) {
  while (current->load() != round) {
    if (stop->load()) {
      co_return false;
    }
    co_await brisk::sleep(0ms);
  }
  co_return true;
}

Task<void> take_and_record(SharedSemaphore* sem, std::mutex* m, std::vector<int>* order, int id) {
  auto permit = co_await sem->acquire();
  std::lock_guard lock(*m);
  order->push_back(id);
}

// Queues waiter `first_id`, `first_id + loops`, ... when `turn` reaches it,
// so that ids are queued in order across every loop.
Task<void> queue_in_turn(SharedSemaphore* sem, std::atomic<int>* turn, int first_id, int loops, int per_loop,
                         std::mutex* m, std::vector<int>* order) {
  std::vector<JoinHandle<void>> waiters;
  for (int k = 0; k < per_loop; ++k) {
    const int id = first_id + k * loops;
    while (turn->load() != id) {
      co_await brisk::sleep(1ms);
    }
    waiters.push_back(brisk::spawn(take_and_record(sem, m, order, id)));
  }
  for (auto& w : waiters) {
    co_await w;
  }
}

Task<void> hold_then_release(SharedSemaphore* sem, bool* got) {
  auto permit = co_await sem->acquire();
  *got = true;
}

}  // namespace

TEST_CASE("SharedSemaphore on one loop: try_acquire, value, guards and FIFO as Semaphore", "[shared_semaphore]") {
  brisk::run([]() -> Task<void> {
    SharedSemaphore sem(2);
    auto a = sem.try_acquire();
    auto b = co_await sem.acquire();
    REQUIRE(a.has_value());
    REQUIRE(b.owns(sem));
    REQUIRE(sem.locked());
    REQUIRE_FALSE(sem.try_acquire().has_value());
    auto none = co_await sem.acquire_for(0ms);
    REQUIRE_FALSE(none.has_value());

    std::mutex m;
    std::vector<int> order;
    std::vector<JoinHandle<void>> hs;
    for (int id = 0; id < 4; ++id) {
      hs.push_back(brisk::spawn(take_and_record(&sem, &m, &order, id)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(sem.waiters() == 4);
    a.reset();
    // The permit is already promised to the first waiter: no barging.
    REQUIRE_FALSE(sem.try_acquire().has_value());
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(order == std::vector<int>{0, 1, 2, 3});
    b.release();
    REQUIRE(sem.value() == 2);
    REQUIRE(sem.waiters() == 0);
  }());
}

TEST_CASE("SharedSemaphore: permits go first come, first served across four loops", "[shared_semaphore]") {
  constexpr int loops = 4;
  constexpr int per_loop = 3;
  SharedSemaphore sem(1);
  auto held = sem.try_acquire();
  std::atomic<int> turn{0};
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int l = 0; l < loops; ++l) {
    threads.emplace_back([&, l] { brisk::run(queue_in_turn(&sem, &turn, l, loops, per_loop, &m, &order)); });
  }
  // Each waiter is queued before the next one's turn comes.
  bool queued = true;
  for (int id = 0; id < loops * per_loop && queued; ++id) {
    turn.store(id);
    queued = wait_until([&] { return sem.waiters() == static_cast<std::size_t>(id + 1); });
  }
  held.reset();  // from a thread with no loop at all
  for (auto& t : threads) {
    t.join();
  }
  REQUIRE(queued);
  std::vector<int> expected(loops * per_loop);
  for (int i = 0; i < loops * per_loop; ++i) {
    expected[static_cast<std::size_t>(i)] = i;
  }
  REQUIRE(order == expected);
  REQUIRE(sem.value() == 1);
  REQUIRE(sem.waiters() == 0);
}

namespace {

// The race: a release on one thread and the cancellation of the first
// waiter on another, with a second waiter on a third loop queued behind it.
// One permit circulates: the test's thread releases it, the second waiter
// must end up with it whichever comes first, and sends it back.
struct Race {
  static constexpr int rounds = 2000;
  SharedSemaphore sem{1};
  std::atomic<int> round{-1};  // the test's thread starts a round
  std::atomic<int> go{-1};     // release and cancel now
  std::atomic<bool> stop{false};  // the test's thread gave up: so do the loops
  // The second loop's ThreadEvent, while it lives.
  std::mutex start_mutex;
  brisk::ThreadEvent* start_second = nullptr;
  bool start_second_ready() {
    std::lock_guard lock(start_mutex);
    return start_second != nullptr;
  }
  void wake_second() {
    std::lock_guard lock(start_mutex);
    if (start_second != nullptr) {
      start_second->set();
    }
  }
  void publish_second(brisk::ThreadEvent* e) {
    std::lock_guard lock(start_mutex);
    start_second = e;
  }
  Mailbox back;
  std::atomic<int> first_cancelled{0};
  std::atomic<int> first_served{0};
  std::atomic<int> second_missed{0};
};

Task<void> first_waiters(Race* r) {
  for (int i = 0; i < Race::rounds; ++i) {
    if (!co_await round_starts(&r->round, i, &r->stop)) {
      co_return;
    }
    bool got = false;
    auto first = brisk::spawn(hold_then_release(&r->sem, &got));
    while (r->sem.waiters() == 0 && !r->stop.load()) {
      co_await brisk::sleep(0ms);
    }
    while (r->go.load() != i && !r->stop.load()) {
      // Half the rounds block the loop until the cancel, so the permit is
      // still on its way when the cancellation comes.
      if (i % 2 == 1) {
        co_await brisk::sleep(0ms);
      }
    }
    // The others give it up to about 100 us to arrive first.
    const auto until = Clock::now() + std::chrono::microseconds(i % 2 == 1 ? (i % 20) * 5 : 0);
    while (Clock::now() < until) {
      co_await brisk::sleep(0ms);
    }
    first.cancel();
    if (co_await ends_cancelled(first)) {
      r->first_cancelled.fetch_add(1);
    } else if (got) {
      r->first_served.fetch_add(1);
    }
  }
}

Task<void> second_waiters(Race* r) {
  brisk::ThreadEvent start;
  r->publish_second(&start);
  for (int i = 0; i < Race::rounds && !r->stop.load(); ++i) {
    co_await start.wait();
    start.clear();
    if (r->stop.load()) {
      break;
    }
    auto permit = co_await r->sem.acquire_for(10s);
    if (!permit) {
      r->second_missed.fetch_add(1);
      break;
    }
    r->back.put(std::move(*permit));
  }
  r->publish_second(nullptr);
}

}  // namespace

TEST_CASE("SharedSemaphore: a release racing the cancellation of the waiter it goes to loses no permit and no wake-up",
          "[shared_semaphore][cancel]") {
  Race r;
  auto held = r.sem.try_acquire();
  std::thread a([&] { brisk::run(first_waiters(&r)); });
  std::thread b([&] { brisk::run(second_waiters(&r)); });
  const auto start = Clock::now();
  bool in_step = wait_until([&] { return r.start_second_ready(); });
  int done = 0;
  int step = 0;  // where a round got stuck
  for (; in_step && done < Race::rounds; ++done) {
    r.round.store(done);
    step = 1;
    if (!(in_step = wait_until([&] { return r.sem.waiters() == 1; }))) {
      break;
    }
    step = 2;
    r.wake_second();
    if (!(in_step = wait_until([&] { return r.sem.waiters() == 2; }))) {
      break;
    }
    step = 3;
    r.go.store(done);
    held.reset();
    if (!(in_step = wait_until([&] { return r.back.full(); }))) {
      break;
    }
    held = r.back.take();
  }
  r.stop.store(true);
  held.reset();
  r.wake_second();
  a.join();
  b.join();
  const auto took = Clock::now() - start;
  WARN("race: " << done << " rounds in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                << " ms; the first waiter was cancelled " << r.first_cancelled.load() << " times, served "
                << r.first_served.load() << " times");
  INFO("stuck in round " << done << " at step " << step << " with " << r.sem.waiters() << " waiting");
  REQUIRE(in_step);
  REQUIRE(done == Race::rounds);
  REQUIRE(r.second_missed.load() == 0);
  REQUIRE(r.first_cancelled.load() + r.first_served.load() == Race::rounds);
  REQUIRE(r.sem.value() == 1);
  REQUIRE(r.sem.waiters() == 0);
}

namespace {

struct TimeoutRace {
  static constexpr int rounds = 1000;
  SharedSemaphore sem{1};
  std::atomic<int> round{-1};  // the test's thread holds the permit: wait now
  std::atomic<int> finished{-1};
  std::atomic<bool> stop{false};
  Mailbox back;
  std::atomic<int> got{0};
};

// Waits 1 ms per round while another thread releases at about that time; a
// permit that came in time is sent back to that thread.
Task<void> short_waits(TimeoutRace* r) {
  for (int i = 0; i < TimeoutRace::rounds; ++i) {
    if (!co_await round_starts(&r->round, i, &r->stop)) {
      co_return;
    }
    if (auto permit = co_await r->sem.acquire_for(1ms)) {
      r->got.fetch_add(1);
      r->back.put(std::move(*permit));
    }
    r->finished.store(i);
  }
}

}  // namespace

TEST_CASE("SharedSemaphore: a timeout racing a release leaks no permit", "[shared_semaphore][timeout]") {
  TimeoutRace r;
  auto held = r.sem.try_acquire();
  std::thread a([&] { brisk::run(short_waits(&r)); });
  bool in_step = true;
  int done = 0;
  for (; in_step && done < TimeoutRace::rounds; ++done) {
    r.round.store(done);
    const auto until = Clock::now() + std::chrono::microseconds(500 + (done % 9) * 250);
    while (Clock::now() < until) {
    }
    held.reset();
    in_step = in_step && wait_until([&] { return r.finished.load() == done; });
    // The permit came back, or the waiter timed out first and the release
    // counted it: exactly one either way.
    held = r.back.take();
    if (!held) {
      held = r.sem.try_acquire();
    }
    in_step = in_step && held.has_value() && r.sem.value() == 0;
  }
  r.stop.store(true);
  held.reset();
  a.join();
  WARN("timeout race: the release came in time " << r.got.load() << " times of " << done);
  REQUIRE(in_step);
  REQUIRE(done == TimeoutRace::rounds);
  REQUIRE(r.sem.value() == 1);
  REQUIRE(r.sem.waiters() == 0);
}

TEST_CASE("SharedSemaphore: acquire_for times out after about its wait, and leaves the queue",
          "[shared_semaphore][timeout]") {
  SharedSemaphore sem(1);
  auto held = sem.try_acquire();
  std::optional<Clock::duration> took;
  bool got = true;
  std::thread t([&] {
    brisk::run([](SharedSemaphore* s, std::optional<Clock::duration>* took_out, bool* got_out) -> Task<void> {
      const auto start = Clock::now();
      auto permit = co_await s->acquire_for(50ms);
      *took_out = Clock::now() - start;
      *got_out = permit.has_value();
    }(&sem, &took, &got));
  });
  t.join();
  REQUIRE_FALSE(got);
  REQUIRE(took.has_value());
  REQUIRE(*took >= 50ms);
  REQUIRE(*took < 2s);
  REQUIRE(sem.waiters() == 0);
  held.reset();
  REQUIRE(sem.value() == 1);
}

TEST_CASE("SharedSemaphore: a waiter on a loop that shuts down leaves the queue", "[shared_semaphore][lifetime]") {
  SharedSemaphore sem(1);
  auto held = sem.try_acquire();
  bool cancelled = false;
  std::thread t([&] {
    brisk::run([](SharedSemaphore* s, bool* cancelled_out) -> Task<void> {
      bool got = false;
      auto waiter = brisk::spawn(hold_then_release(s, &got));
      co_await brisk::sleep(1ms);
      *cancelled_out = s->waiters() == 1;
      // main returns with the waiter parked: run()'s shutdown cancels it.
      static_cast<void>(waiter);
    }(&sem, &cancelled));
  });
  t.join();
  REQUIRE(cancelled);
  REQUIRE(sem.waiters() == 0);
  // Under ASan, a release that still found the waiter would touch a freed frame.
  held.reset();
  REQUIRE(sem.value() == 1);
}

namespace {

struct Latency {
  static constexpr int rounds = 300;
  SharedSemaphore sem{1};
  Mailbox back;
  std::atomic<Clock::rep> released_at{0};
  std::vector<Clock::duration> samples;  // written by the waiting loop only
};

Task<void> wake_and_measure(Latency* l) {
  for (int i = 0; i < Latency::rounds; ++i) {
    auto permit = co_await l->sem.acquire();
    l->samples.push_back(Clock::now() - Clock::time_point(Clock::duration(l->released_at.load())));
    l->back.put(std::move(permit));
  }
}

}  // namespace

TEST_CASE("SharedSemaphore: a release on another thread wakes the waiter's loop in well under a millisecond",
          "[shared_semaphore][latency]") {
  Latency l;
  auto held = l.sem.try_acquire();
  std::thread t([&] { brisk::run(wake_and_measure(&l)); });
  bool in_step = true;
  for (int i = 0; i < Latency::rounds && in_step; ++i) {
    in_step = wait_until([&] { return l.sem.waiters() == 1; });
    // Let the loop settle into its poll, as an idle worker would be.
    std::this_thread::sleep_for(200us);
    l.released_at.store(Clock::now().time_since_epoch().count());
    held.reset();
    in_step = in_step && wait_until([&] { return l.back.full(); });
    held = l.back.take();
  }
  held.reset();
  t.join();
  REQUIRE(in_step);
  std::sort(l.samples.begin(), l.samples.end());
  auto us = [](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); };
  const auto median = l.samples[l.samples.size() / 2];
  WARN("wake latency across threads: median " << us(median) << " us, p90 " << us(l.samples[l.samples.size() * 9 / 10])
                                              << " us, max " << us(l.samples.back()) << " us");
  // Well under 1 ms on a quiet machine; the bound leaves room for a loaded one.
  REQUIRE(median < 5ms);
}

TEST_CASE("SharedSemaphore: acquiring free permits over and over yields to the loop", "[shared_semaphore][coop]") {
  brisk::run([]() -> Task<void> {
    SharedSemaphore sem(2);
    int ticks = 0;
    bool stop = false;
    auto ticker = brisk::spawn([](int* t, const bool* s) -> Task<void> {
      while (!*s) {
        ++*t;
        co_await brisk::sleep(0ms);
      }
    }(&ticks, &stop));
    co_await brisk::sleep(0ms);
    const int before = ticks;
    for (int i = 0; i < 1000; ++i) {
      auto permit = co_await sem.acquire();
      auto timed = co_await sem.acquire_for(1s);
      REQUIRE(timed.has_value());
    }
    stop = true;
    co_await ticker;
    REQUIRE(ticks - before > 1);
    REQUIRE(sem.value() == 2);
  }());
}
