#include <brisk/runtime/event.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using brisk::Event;
using brisk::JoinHandle;
using brisk::Task;
using brisk::test::ends_cancelled;

namespace {

Task<void> wait_then_count(Event& ev, int& woken) {
  co_await ev.wait();
  ++woken;
}

// Notes the wake-up, then parks long enough to be cancelled there.
Task<void> wait_then_hold(Event& ev, int& woken) {
  co_await ev.wait();
  ++woken;
  co_await brisk::sleep(1h);
}

}  // namespace

TEST_CASE("Event: set() wakes every waiter, and later waits pass until clear()", "[event][primitive]") {
  brisk::run([]() -> Task<void> {
    Event ev;
    int woken = 0;
    std::vector<JoinHandle<void>> hs;
    for (int i = 0; i < 3; ++i) {
      hs.push_back(brisk::spawn(wait_then_count(ev, woken)));
    }
    co_await brisk::sleep(1ms);
    REQUIRE(woken == 0);
    REQUIRE(ev.waiters() == 3);
    REQUIRE_FALSE(ev.is_set());
    ev.set();
    ev.clear();  // does not take back the wake-ups set() gave
    for (auto& h : hs) {
      co_await h;
    }
    REQUIRE(woken == 3);

    ev.set();
    co_await ev.wait();  // already set: passes without suspending
    REQUIRE(ev.is_set());
    ev.clear();
    auto late = brisk::spawn(wait_then_count(ev, woken));
    co_await brisk::sleep(1ms);
    REQUIRE(woken == 3);
    ev.set();
    co_await late;
    REQUIRE(woken == 4);
  }());
}

TEST_CASE("Event: a task cancelled in wait raises CancelledError and leaves no waiter behind",
          "[event][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Event ev;
    int woken = 0;
    auto cancelled = brisk::spawn(wait_then_count(ev, woken));
    auto kept = brisk::spawn(wait_then_count(ev, woken));
    co_await brisk::sleep(1ms);
    cancelled.cancel();
    bool was_cancelled = co_await ends_cancelled(cancelled);
    REQUIRE(was_cancelled);
    REQUIRE(ev.waiters() == 1);
    ev.set();
    co_await kept;
    REQUIRE(woken == 1);
  }());
}

TEST_CASE("Event: a waiter woken by set() and cancelled in the same turn returns, then meets the cancellation",
          "[event][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Event ev;
    int woken = 0;
    auto h = brisk::spawn(wait_then_hold(ev, woken));
    co_await brisk::sleep(1ms);
    ev.set();
    h.cancel();
    bool was_cancelled = co_await ends_cancelled(h);
    REQUIRE(was_cancelled);
    REQUIRE(woken == 1);
  }());
}

TEST_CASE("Event: wait_shielded() ignores a cancellation until the next await", "[event][primitive][cancel]") {
  brisk::run([]() -> Task<void> {
    Event ev;
    int woken = 0;
    auto shielded = [](Event& e, int& n) -> Task<void> {
      co_await e.wait_shielded();
      ++n;
      co_await brisk::sleep(1h);
    };
    auto h = brisk::spawn(shielded(ev, woken));
    co_await brisk::sleep(1ms);
    h.cancel();
    co_await brisk::sleep(1ms);
    REQUIRE_FALSE(h.done());
    REQUIRE(woken == 0);
    ev.set();
    bool was_cancelled = co_await ends_cancelled(h);
    REQUIRE(was_cancelled);
    REQUIRE(woken == 1);
  }());
}
