#include "support.hpp"

#include <brisk/runtime/event.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;

namespace {

// A timer whose callback starts a second timer and makes no task ready, as a
// connection's deadline does when it cancels a handler that cannot return
// yet and gives it a grace period.
struct Relay {
  explicit Relay(brisk::Event& e) : done(&e) {}
  static void first_fired(void* self) noexcept {
    auto* r = static_cast<Relay*>(self);
    r->second.start(brisk::Loop::current(), 50ms);
  }
  static void second_fired(void* self) noexcept { static_cast<Relay*>(self)->done->set(); }

  brisk::Event* done;
  brisk::TimerNode second{&Relay::second_fired, this};
  brisk::TimerNode first{&Relay::first_fired, this};
};

// A timer that starts itself again, with no delay, every time it fires.
struct Ticker {
  static void fired(void* self) noexcept {
    auto* t = static_cast<Ticker*>(self);
    ++t->fired_count;
    t->node.start(brisk::Loop::current(), 0ms);
  }
  int fired_count = 0;
  brisk::TimerNode node{&Ticker::fired, this};
};

}  // namespace

TEST_CASE("a timer started inside another timer's callback fires on time", "[timer]") {
  // Nothing else keeps the loop alive: the loop must not take itself for
  // deadlocked while the second timer is pending.
  brisk::run([]() -> Task<void> {
    brisk::Event done;
    Relay relay(done);
    const auto start = Clock::now();
    relay.first.start(brisk::Loop::current(), 10ms);
    co_await done.wait();
    const auto took = Clock::now() - start;
    REQUIRE(took >= 55ms);
    REQUIRE(took < 500ms);
  }());
}

TEST_CASE("a timer started inside another timer's callback fires on time while the loop has other work pending",
          "[timer]") {
  // A to_thread job keeps the loop alive: without a wakeup for the second
  // timer, the loop would sleep until the job's end.
  brisk::run([]() -> Task<void> {
    auto job = brisk::spawn([]() -> Task<void> { co_await brisk::to_thread([] { std::this_thread::sleep_for(2s); }); }());
    co_await brisk::sleep(0ms);  // the job is submitted
    brisk::Event done;
    Relay relay(done);
    const auto start = Clock::now();
    relay.first.start(brisk::Loop::current(), 10ms);
    // Busy past the first deadline, so that libuv runs that timer as soon as
    // the loop turns, before it polls.
    std::this_thread::sleep_for(20ms);
    co_await done.wait();
    const auto took = Clock::now() - start;
    REQUIRE(took >= 55ms);
    REQUIRE(took < 1s);
    co_await job;
  }());
}

TEST_CASE("a timer restarted from its own callback with no delay fires once per turn", "[timer]") {
  // As libuv does for its own timers: otherwise one pass over the due
  // timers would never end, and no task would run again.
  brisk::run([]() -> Task<void> {
    Ticker ticker;
    ticker.node.start(brisk::Loop::current(), 0ms);
    for (int i = 0; i < 3; ++i) {
      co_await brisk::sleep(0ms);
    }
    ticker.node.stop();
    REQUIRE(ticker.fired_count >= 1);
    REQUIRE(ticker.fired_count <= 4);
  }());
}

namespace {

// A TimerNode callback that sets the Event it is given. (A class local to a
// coroutine lambda would do, but GCC 12 crashes on one with -g.)
void set_event(void* e) noexcept { static_cast<brisk::Event*>(e)->set(); }

}  // namespace

TEST_CASE("sleep counts from the call, however long the loop's turn has run", "[timer]") {
  brisk::run([]() -> Task<void> {
    co_await brisk::sleep(0ms);  // a fresh turn
    brisk::test::busy_for(300ms);
    const auto start = Clock::now();
    co_await brisk::sleep(100ms);
    REQUIRE(Clock::now() - start >= 100ms);
  }());
}

TEST_CASE("a TimerNode started after a busy turn waits its whole delay", "[timer]") {
  brisk::run([]() -> Task<void> {
    brisk::Event done;
    brisk::TimerNode node(&set_event, &done);
    co_await brisk::sleep(0ms);
    brisk::test::busy_for(300ms);
    const auto start = Clock::now();
    node.start(brisk::Loop::current(), 100ms);
    co_await done.wait();
    REQUIRE(Clock::now() - start >= 100ms);
  }());
}
