#include "support.hpp"

#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;

namespace {

Task<int> nap(int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

// How a wait_for/timeout block ended, seen from inside the task.
enum class Ended { value, timeout, cancelled };

// Cancels the task given as context: an "outer" cancellation, from a timer so
// that the test decides in which turn (and in which order) it lands.
struct OuterCancel {
  explicit OuterCancel(brisk::TaskState* t) : task(t) {}
  static void fire(void* self) noexcept { static_cast<OuterCancel*>(self)->task->cancel(); }
  brisk::TaskState* task;
  brisk::TimerNode node{&OuterCancel::fire, this};
};

Task<void> under_deadline(Ended* ended, Task<int> work, std::chrono::milliseconds d) {
  try {
    co_await brisk::wait_for(d, std::move(work));
    *ended = Ended::value;
  } catch (const brisk::TimeoutError&) {
    *ended = Ended::timeout;
  } catch (const brisk::CancelledError&) {
    *ended = Ended::cancelled;
    throw;
  }
}

}  // namespace

TEST_CASE("wait_for(500 ms, sleep(10 s)) raises TimeoutError after about 500 ms, and its timer is gone", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto& loop = brisk::Loop::current();
    auto before = loop.timer_count();
    auto start = Clock::now();
    bool timed_out = false;
    try {
      co_await brisk::wait_for(500ms, nap(10000));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    auto took = Clock::now() - start;
    REQUIRE(timed_out);
    REQUIRE(took >= 490ms);
    REQUIRE(took < 5s);  // not the 10 s of the work
    REQUIRE(loop.timer_count() == before);
    // Its cancellation was withdrawn: the task goes on as if never cancelled.
    REQUIRE(brisk::current_task()->cancelling() == 0);
    int after = co_await nap(1);
    REQUIRE(after == 1);
  }());
}

TEST_CASE("wait_for returns the value of work done in time, and stops its timer", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto& loop = brisk::Loop::current();
    auto before = loop.timer_count();
    int quick = co_await brisk::wait_for(500ms, nap(5));
    REQUIRE(quick == 5);
    REQUIRE(loop.timer_count() == before);
    auto fail = []() -> Task<int> {
      co_await brisk::sleep(1ms);
      throw std::runtime_error("not a timeout");
    };
    std::string error;
    try {
      co_await brisk::wait_for(500ms, fail());
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    REQUIRE(error == "not a timeout");
    REQUIRE(loop.timer_count() == before);
  }());
}

TEST_CASE("wait_for: an outer cancellation is never swallowed, whether or not the deadline fires too", "[timeout]") {
  brisk::run([]() -> Task<void> {
    // Each scenario runs in a task of its own and records how its block ended.
    {
      // Cancelled long before the deadline.
      Ended ended = Ended::value;
      auto h = brisk::spawn(under_deadline(&ended, nap(10000), 1000ms));
      co_await brisk::sleep(10ms);
      h.cancel();
      co_await h.finished();
      REQUIRE(ended == Ended::cancelled);
      REQUIRE(h.cancelled());
    }
    {
      // Cancelled in the same turn as the deadline fires, just before it.
      Ended ended = Ended::value;
      auto scenario = [](Ended* e) -> Task<void> {
        OuterCancel outer{brisk::current_task()};
        // The same deadline as the wait_for below, armed first: fires first.
        outer.node.start(brisk::Loop::current(), 20ms);
        co_await under_deadline(e, nap(10000), 20ms);
      };
      auto h = brisk::spawn(scenario(&ended));
      co_await h.finished();
      REQUIRE(ended == Ended::cancelled);
      REQUIRE(h.cancelled());
    }
    {
      // Cancelled in the same turn as the deadline fires, just after it.
      Ended ended = Ended::value;
      auto work = []() -> Task<int> {
        OuterCancel outer{brisk::current_task()};
        // Armed after the wait_for's timer, with the same deadline.
        outer.node.start(brisk::Loop::current(), 20ms);
        co_return co_await nap(10000);
      };
      auto h = brisk::spawn(under_deadline(&ended, work(), 20ms));
      co_await h.finished();
      REQUIRE(ended == Ended::cancelled);
      REQUIRE(h.cancelled());
    }
    {
      // Cancelled while the work is still unwinding from the deadline.
      Ended ended = Ended::value;
      auto stubborn = []() -> Task<int> {
        try {
          co_await brisk::sleep(10000ms);
        } catch (const brisk::CancelledError&) {
          // No co_await in a handler: clean up below.
        }
        co_await brisk::sleep(50ms);  // the cleanup, during which the outer cancel lands
        throw brisk::CancelledError{};
      };
      auto h = brisk::spawn(under_deadline(&ended, stubborn(), 20ms));
      co_await brisk::sleep(40ms);
      h.cancel();
      co_await h.finished();
      REQUIRE(ended == Ended::cancelled);
      REQUIRE(h.cancelled());
    }
    {
      // The control: the deadline alone gives TimeoutError.
      Ended ended = Ended::value;
      auto h = brisk::spawn(under_deadline(&ended, nap(10000), 20ms));
      co_await h.finished();
      REQUIRE(ended == Ended::timeout);
      REQUIRE_FALSE(h.cancelled());
    }
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("nested deadlines: each converts only its own cancellation", "[timeout]") {
  brisk::run([]() -> Task<void> {
    // The outer deadline fires first: the inner wait_for must let the
    // cancellation through, and the outer one turns it into TimeoutError.
    auto outer = brisk::timeout(30ms);
    auto inner_block = []() -> Task<int> {
      try {
        co_return co_await brisk::wait_for(1000ms, nap(10000));
      } catch (const brisk::TimeoutError&) {
        co_return -1;  // wrong: this was not the inner deadline
      }
    };
    bool outer_timed_out = false;
    try {
      co_await outer.run(inner_block());
    } catch (const brisk::TimeoutError&) {
      outer_timed_out = true;
    }
    REQUIRE(outer_timed_out);
    REQUIRE(outer.expired());

    // The inner deadline fires first: the outer block goes on.
    auto roomy = brisk::timeout(1000ms);
    auto inner_times_out = []() -> Task<int> {
      try {
        co_return co_await brisk::wait_for(10ms, nap(10000));
      } catch (const brisk::TimeoutError&) {
        co_return -1;
      }
    };
    int v = co_await roomy.run(inner_times_out());
    REQUIRE(v == -1);
    REQUIRE_FALSE(roomy.expired());
    REQUIRE(brisk::current_task()->cancelling() == 0);
  }());
}

TEST_CASE("a timeout() deadline is shared by several awaits", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto& loop = brisk::Loop::current();
    const std::uint64_t before = loop.now();
    auto deadline = brisk::timeout(300ms);
    // 300 ms from the clock rounded up to the millisecond (Loop::deadline_after).
    REQUIRE(deadline.when() >= before + 300);
    REQUIRE(deadline.when() <= loop.now() + 301);
    int a = co_await deadline.run(nap(30));
    REQUIRE(a == 30);
    REQUIRE_FALSE(deadline.expired());
    bool timed_out = false;
    try {
      co_await deadline.run(nap(290));  // only about 270 ms left
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);  // nap(60) would have finished otherwise
    REQUIRE(deadline.expired());
    REQUIRE(loop.timer_count() == 0);
  }());
}

TEST_CASE("reschedule moves the deadline of a run in progress", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto& loop = brisk::Loop::current();
    // Extended from inside the work: it outlives its first deadline.
    auto deadline = brisk::timeout(150ms);
    auto extend = [](brisk::Timeout* t) -> Task<int> {
      co_await brisk::sleep(10ms);
      t->reschedule(1s);
      co_return co_await nap(200);
    };
    int v = co_await deadline.run(extend(&deadline));
    REQUIRE(v == 200);
    REQUIRE_FALSE(deadline.expired());

    // Shortened from another task: the run ends early.
    auto later = brisk::timeout(10s);
    auto shorten = [](brisk::Timeout* t) -> Task<void> {
      co_await brisk::sleep(10ms);
      t->reschedule(10ms);
    };
    auto h = brisk::spawn(shorten(&later));
    auto start = Clock::now();
    bool timed_out = false;
    try {
      co_await later.run(nap(10000));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(Clock::now() - start < 200ms);
    REQUIRE(later.expired());
    co_await h;

    // Rescheduled after it expired, it serves again.
    later.reschedule(100ms);
    REQUIRE_FALSE(later.expired());
    int again = co_await later.run(nap(5));
    REQUIRE(again == 5);
    REQUIRE(loop.timer_count() == 0);
  }());
}

TEST_CASE("a deadline already past still lets work that does not suspend complete", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto instant = []() -> Task<int> { co_return 7; };
    int v = co_await brisk::wait_for(0ms, instant());
    REQUIRE(v == 7);
    bool timed_out = false;
    try {
      co_await brisk::wait_for(0ms, nap(1000));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("work that completes after its deadline fired returns its value", "[timeout]") {
  brisk::run([]() -> Task<void> {
    // Swallows the cancellation (as asyncio code may) and finishes normally.
    auto swallow = []() -> Task<int> {
      try {
        co_await brisk::sleep(1000ms);
      } catch (const brisk::CancelledError&) {
      }
      co_return 3;
    };
    auto deadline = brisk::timeout(10ms);
    int v = co_await deadline.run(swallow());
    REQUIRE(v == 3);
    REQUIRE(deadline.expired());
    REQUIRE(brisk::current_task()->cancelling() == 0);
    int after = co_await nap(1);  // no cancellation left pending
    REQUIRE(after == 1);
  }());
}

TEST_CASE("wait_for around a gather cancels the gathered children", "[timeout]") {
  brisk::run([]() -> Task<void> {
    std::vector<Task<int>> tasks;
    tasks.push_back(nap(1000));
    tasks.push_back(nap(2000));
    bool timed_out = false;
    try {
      co_await brisk::wait_for(20ms, brisk::gather(std::move(tasks)));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(brisk::all_tasks().size() == 1);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("a Timeout runs one block at a time", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto deadline = brisk::timeout(500ms);
    auto first = brisk::spawn(deadline.run(nap(20)));
    co_await brisk::sleep(1ms);
    bool refused = false;
    try {
      co_await deadline.run(nap(1));
    } catch (const brisk::InvalidStateError&) {
      refused = true;
    }
    REQUIRE(refused);
    int v = co_await first;
    REQUIRE(v == 20);
  }());
}

TEST_CASE("wait_for after a busy turn gives a to_thread job its whole time", "[timeout]") {
  brisk::run([]() -> Task<void> {
    co_await brisk::sleep(0ms);  // a fresh turn
    brisk::test::busy_for(300ms);
    const auto start = Clock::now();
    int v = co_await brisk::wait_for(200ms, []() -> Task<int> {
      co_return co_await brisk::to_thread([] {
        std::this_thread::sleep_for(50ms);
        return 7;
      });
    }());
    REQUIRE(v == 7);
    REQUIRE(Clock::now() - start >= 50ms);
  }());
}

TEST_CASE("timeout() after a busy turn counts from the call", "[timeout]") {
  brisk::run([]() -> Task<void> {
    co_await brisk::sleep(0ms);
    brisk::test::busy_for(300ms);
    const auto start = Clock::now();
    auto deadline = brisk::timeout(100ms);
    bool timed_out = false;
    try {
      co_await deadline.run(nap(10'000));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(Clock::now() - start >= 100ms);
  }());
}

TEST_CASE("acquire_for after a busy turn waits its whole time", "[timeout][semaphore]") {
  brisk::run([]() -> Task<void> {
    brisk::Semaphore sem(0);
    co_await brisk::sleep(0ms);
    brisk::test::busy_for(300ms);
    const auto start = Clock::now();
    auto permit = co_await sem.acquire_for(100ms);
    REQUIRE_FALSE(permit.has_value());
    REQUIRE(Clock::now() - start >= 100ms);
  }());
}
