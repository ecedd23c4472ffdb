#include <brisk/runtime/run.hpp>
#include <brisk/runtime/signal.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <csignal>
#include <thread>

using namespace std::chrono_literals;
using brisk::Task;

TEST_CASE("a SignalSet delivers signals to the awaiting task, and queues early ones", "[signal]") {
  brisk::run([]() -> Task<void> {
    brisk::SignalSet signals{SIGUSR2, SIGHUP};
    std::raise(SIGUSR2);  // before anyone waits: queued
    co_await brisk::sleep(1ms);
    int first = co_await signals.next();
    REQUIRE(first == SIGUSR2);
    std::thread([] {
      std::this_thread::sleep_for(10ms);
      std::raise(SIGHUP);
    }).detach();
    int second = co_await signals.next();
    REQUIRE(second == SIGHUP);
  }());
}

TEST_CASE("waiting for a signal is cancellable", "[signal][cancel]") {
  brisk::run([]() -> Task<void> {
    brisk::SignalSet signals{SIGUSR2};
    auto waiter = [](brisk::SignalSet* s) -> Task<int> { co_return co_await s->next(); };
    auto h = brisk::spawn(waiter(&signals));
    co_await brisk::sleep(2ms);
    h.cancel();
    bool cancelled = co_await brisk::test::ends_cancelled(h);
    REQUIRE(cancelled);
  }());
}

TEST_CASE("a ThreadEvent set from another thread wakes the loop that waits", "[thread_event]") {
  brisk::run([]() -> Task<void> {
    brisk::ThreadEvent ev;
    auto start = std::chrono::steady_clock::now();
    std::thread setter([&ev] {
      std::this_thread::sleep_for(30ms);
      ev.set();
    });
    co_await ev.wait();
    auto took = std::chrono::steady_clock::now() - start;
    setter.join();
    REQUIRE(ev.is_set());
    REQUIRE(took >= 25ms);
    REQUIRE(took < 1s);
    co_await ev.wait();  // stays set
  }());
}

TEST_CASE("a cleared ThreadEvent waits for the next set", "[thread_event]") {
  brisk::run([]() -> Task<void> {
    brisk::ThreadEvent ev;
    ev.set();
    co_await ev.wait();
    ev.clear();
    REQUIRE_FALSE(ev.is_set());
    auto start = std::chrono::steady_clock::now();
    std::thread setter([&ev] {
      std::this_thread::sleep_for(30ms);
      ev.set();
    });
    co_await ev.wait();
    auto took = std::chrono::steady_clock::now() - start;
    setter.join();
    REQUIRE(took >= 25ms);  // the earlier set() did not satisfy this wait
    REQUIRE(took < 1s);
  }());
}
