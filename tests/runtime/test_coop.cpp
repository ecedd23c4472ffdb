#include "support.hpp"

#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/on_suspend.hpp>
#include <brisk/runtime/queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;
using brisk::test::ticker;
using brisk::test::ticks_during;

namespace {

// Awaits a set Event `rounds` times: every await could complete at once.
Task<void> spin_on_event(brisk::Event* e, int rounds, int* ticks, std::vector<int>* ticks_seen) {
  for (int i = 0; i < rounds; ++i) {
    co_await e->wait();
    ticks_seen->push_back(*ticks);
  }
}

Task<void> take_forever(brisk::Queue<int>* q, int* taken) {
  for (;;) {
    co_await q->get();
    ++*taken;
  }
}

brisk::Generator<int> count_to(int n) {
  for (int i = 0; i < n; ++i) {
    co_yield i;
  }
}

}  // namespace

TEST_CASE("a task awaiting things that complete at once shares the loop with a ticker", "[coop]") {
  brisk::run([]() -> Task<void> {
    int ticks = 0;
    bool stop = false;
    auto tick = brisk::spawn(ticker(&ticks, &stop));
    co_await brisk::sleep(0ms);  // the ticker is running
    brisk::Event open;
    open.set();
    std::vector<int> seen;
    const int rounds = 10 * brisk::coop::budget;
    co_await spin_on_event(&open, rounds, &ticks, &seen);
    stop = true;
    co_await tick;
    // The spinner went to the back of the queue once per budget, so the
    // ticker ran about rounds / budget times while it spun (fewer counted:
    // the first and last budgets are partly spent elsewhere), and the ticker
    // never waited longer than two budgets: its timer wakes it in the turn
    // after the spinner's yield, behind the spinner, which runs one more
    // budget first.
    REQUIRE(seen.back() - seen.front() >= 5);
    int longest = 0, run = 0;
    for (std::size_t i = 1; i < seen.size(); ++i) {
      run = seen[i] == seen[i - 1] ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    REQUIRE(longest <= 2 * brisk::coop::budget);
  }());
}

TEST_CASE("a generator that never waits still yields to the loop", "[coop]") {
  brisk::run([]() -> Task<void> {
    const long n = 20 * brisk::coop::budget;
    long sum = 0;
    const int ticks = co_await ticks_during([](long count, long* total) -> Task<void> {
      auto numbers = count_to(static_cast<int>(count));
      while (auto v = co_await numbers.next()) {
        *total += *v;
      }
    }(n, &sum));
    REQUIRE(sum == n * (n - 1) / 2);  // nothing lost or repeated across the yields
    REQUIRE(ticks >= 10);
  }());
}

TEST_CASE("a queue consumer and a semaphore user yield without losing items or permits", "[coop]") {
  brisk::run([]() -> Task<void> {
    brisk::Queue<int> q;
    brisk::Semaphore sem(1);
    const int ticks = co_await ticks_during([](brisk::Queue<int>* queue, brisk::Semaphore* permits) -> Task<void> {
      const int n = 5 * brisk::coop::budget;
      for (int i = 0; i < n; ++i) {
        co_await queue->put(i);  // unbounded: never waits
      }
      for (int i = 0; i < n; ++i) {
        auto permit = co_await permits->acquire();
        const int got = co_await queue->get();
        REQUIRE(got == i);
      }
    }(&q, &sem));
    REQUIRE(sem.try_acquire().has_value());
    REQUIRE(ticks >= 5);
  }());
}

TEST_CASE("a cancellation that arrives while a task yields is delivered at its next wait", "[coop]") {
  brisk::run([]() -> Task<void> {
    brisk::Queue<int> q;
    const int n = 3 * brisk::coop::budget;
    for (int i = 0; i < n; ++i) {
      q.try_put(i);
    }
    int taken = 0;
    auto consumer = brisk::spawn(take_forever(&q, &taken));
    co_await brisk::sleep(0ms);  // the consumer has used one budget and yielded
    consumer.cancel();
    REQUIRE(co_await brisk::test::ends_cancelled(consumer));
    // Every item taken was counted: the one in hand at the yield was kept.
    REQUIRE(taken + static_cast<int>(q.size()) == n);
  }());
}

TEST_CASE("a writer the kernel keeps up with lets a ticker run", "[coop][tcp]") {
  brisk::run([]() -> Task<void> {
    auto listener = brisk::TcpListener::bind("127.0.0.1", 0);
    auto pair = co_await brisk::test::connected_pair(listener);
    // The reader drains as fast as the writer writes.
    auto drain = brisk::spawn([](brisk::TcpStream* s) -> Task<void> {
      while (!(co_await s->read()).empty()) {
      }
    }(&pair.server));
    const int ticks = co_await ticks_during([](brisk::TcpStream* client) -> Task<void> {
      const std::string piece(16, 'x');  // small: the socket buffer never fills
      for (int i = 0; i < 20 * brisk::coop::budget; ++i) {
        co_await client->write(piece);
      }
    }(&pair.client));
    REQUIRE(ticks >= 10);
    pair.client.close();
    co_await drain;
  }());
}

TEST_CASE("OnSuspend fires once when the armed task suspends, never for another", "[coop]") {
  brisk::run([]() -> Task<void> {
    int fired = 0;
    brisk::OnSuspend hook([](void* n) noexcept { ++*static_cast<int*>(n); }, &fired);

    hook.arm();
    co_await brisk::sleep(1ms);
    REQUIRE(fired == 1);

    // Disarmed before the suspension: nothing.
    hook.arm();
    hook.disarm();
    co_await brisk::sleep(1ms);
    REQUIRE(fired == 1);

    // Armed, then this task waits for another, which suspends too: one call.
    hook.arm();
    auto other = brisk::spawn([]() -> Task<void> { co_await brisk::sleep(0ms); }());
    co_await other;
    REQUIRE(fired == 2);
  }());
}
