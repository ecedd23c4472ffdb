#include <brisk/runtime/log.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task_group.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using brisk::test::CapturedLog;
using brisk::test::eventually;
using Clock = std::chrono::steady_clock;

namespace {

Task<int> nap(int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

Task<int> fail_after(int ms, std::string what) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error(what);
}

// Sleeps `ms`; when cancelled, spends `cleanup_ms` cleaning up, then counts
// itself in *cancelled (in the caller's frame) and rethrows.
Task<int> slow_to_cancel(int ms, int cleanup_ms, int* cancelled) {
  try {
    co_await brisk::sleep(std::chrono::milliseconds(ms));
  } catch (const brisk::CancelledError&) {
    // No co_await in a handler: clean up below.
  }
  if (brisk::current_task()->cancelling() > 0) {
    co_await brisk::sleep(std::chrono::milliseconds(cleanup_ms));
    ++*cancelled;
    throw brisk::CancelledError{};
  }
  co_return ms;
}

// The what() of every error in `group`.
std::vector<std::string> messages(const brisk::ExceptionGroup& group) {
  std::vector<std::string> out;
  for (const auto& e : group.exceptions()) {
    out.push_back(brisk::describe(e));
  }
  return out;
}

}  // namespace

TEST_CASE("TaskGroup: a child that throws cancels its siblings, and wait() rethrows its error", "[task_group]") {
  auto start = Clock::now();
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    brisk::TaskGroup group;
    auto a = group.spawn(slow_to_cancel(1000, 20, &cancelled));
    group.spawn(fail_after(20, "child failed"));
    auto c = group.spawn(slow_to_cancel(1000, 10, &cancelled));
    std::vector<std::string> errors;
    try {
      co_await group.wait();
    } catch (const brisk::ExceptionGroup& e) {
      errors = messages(e);
    }
    REQUIRE(brisk::test::joined(errors) == "child failed");
    REQUIRE(cancelled == 2);  // the siblings were cancelled and waited for
    REQUIRE(a.cancelled());
    REQUIRE(c.cancelled());
    REQUIRE(group.size() == 0);
    REQUIRE(brisk::all_tasks().size() == 1);
  }());
  REQUIRE(Clock::now() - start < 500ms);
}

TEST_CASE("a child failing before anyone waits still cancels its siblings at once", "[task_group]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    brisk::TaskGroup group;
    group.spawn(slow_to_cancel(1000, 0, &cancelled));
    group.spawn(slow_to_cancel(1000, 0, &cancelled));
    group.spawn(fail_after(10, "early"));
    // Busy elsewhere, not in wait(), while the siblings are cancelled (each
    // counts after its cleanup timer): well before their 1 s sleeps end.
    static_cast<void>(co_await eventually([&cancelled] { return cancelled == 2; }, 500ms));
    REQUIRE(cancelled == 2);
    REQUIRE(group.size() == 0);
    // The group refuses new work once it has failed.
    REQUIRE_THROWS_AS(group.spawn(nap(1)), brisk::InvalidStateError);
    bool rethrown = false;
    try {
      co_await group.wait();
    } catch (const brisk::ExceptionGroup&) {
      rethrown = true;
    }
    REQUIRE(rethrown);
  }());
}

TEST_CASE("TaskGroup::wait waits for every child, and the results come from the handles", "[task_group]") {
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    auto a = group.spawn(nap(10), "a");
    auto b = group.spawn(nap(30), "b");
    REQUIRE(group.size() == 2);
    REQUIRE(b.name() == "b");
    co_await group.wait();
    REQUIRE(a.done());
    REQUIRE(b.done());
    REQUIRE(a.result() + b.result() == 40);
    REQUIRE_THROWS_AS(group.spawn(nap(1)), brisk::InvalidStateError);
    bool twice = false;
    try {
      co_await group.wait();
    } catch (const brisk::InvalidStateError&) {
      twice = true;
    }
    REQUIRE(twice);
  }());
}

TEST_CASE("children may spawn siblings into their group while it waits", "[task_group]") {
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    int done = 0;
    auto leaf = [](int* d) -> Task<void> {
      co_await brisk::sleep(20ms);
      ++*d;
    };
    auto parent = [](brisk::TaskGroup* g, int* d, auto make_leaf) -> Task<void> {
      co_await brisk::sleep(5ms);
      g->spawn(make_leaf(d));
      ++*d;
    };
    group.spawn(parent(&group, &done, leaf));
    co_await group.wait();
    REQUIRE(done == 2);
  }());
}

TEST_CASE("a child ending with CancelledError is not a failure of the group", "[task_group]") {
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    auto doomed = group.spawn(nap(1000));
    auto fine = group.spawn(nap(20));
    co_await brisk::sleep(5ms);
    doomed.cancel();
    co_await group.wait();
    REQUIRE(doomed.cancelled());
    REQUIRE(fine.result() == 20);
  }());
}

TEST_CASE("cancelling the task in wait() cancels the children, waits for them, and rethrows", "[task_group]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto owner = [](int* c) -> Task<void> {
      brisk::TaskGroup group;
      group.spawn(slow_to_cancel(1000, 20, c));
      group.spawn(slow_to_cancel(1000, 30, c));
      co_await group.wait();
    };
    auto h = brisk::spawn(owner(&cancelled), "owner");
    co_await brisk::sleep(10ms);
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::all_tasks().size() == 1);
  }());
}

TEST_CASE("an outer cancellation wins over a child's failure, which is logged", "[task_group]") {
  CapturedLog log;
  brisk::run([]() -> Task<void> {
    auto owner = []() -> Task<void> {
      brisk::TaskGroup group;
      // Fails while being cancelled: its error cannot be what wait() throws.
      auto fail_on_cancel = []() -> Task<void> {
        try {
          co_await brisk::sleep(1000ms);
        } catch (const brisk::CancelledError&) {
          throw std::runtime_error("failed during cancellation");
        }
      };
      group.spawn(fail_on_cancel(), "cleanup-fails");
      co_await group.wait();
    };
    auto h = brisk::spawn(owner());
    co_await brisk::sleep(10ms);
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());
  }());
  REQUIRE(log.contains("task 'cleanup-fails'"));
  REQUIRE(log.contains("failed during cancellation"));
}

TEST_CASE("a TaskGroup raises every child's error, in order, in an ExceptionGroup", "[task_group]") {
  CapturedLog log;
  auto errors = brisk::run([]() -> Task<std::vector<std::string>> {
    brisk::TaskGroup group;
    // Fails on its way out when cancelled by the first failure.
    auto second = []() -> Task<void> {
      try {
        co_await brisk::sleep(1000ms);
      } catch (const brisk::CancelledError&) {
        throw std::runtime_error("second failure");
      }
    };
    group.spawn(second(), "second");
    group.spawn(fail_after(10, "first failure"), "first");
    try {
      co_await group.wait();
    } catch (const brisk::ExceptionGroup& e) {
      REQUIRE(std::string(e.what()) == "unhandled errors in a TaskGroup (2 sub-exceptions): first failure");
      co_return messages(e);
    }
    co_return std::vector<std::string>{};
  }());
  REQUIRE(brisk::test::joined(errors) == "first failure | second failure");
  REQUIRE(log.lines.empty());  // delivered by wait(): not reported as lost
}

TEST_CASE("TaskGroup::run: a child's failure cancels the body's pending await", "[task_group]") {
  auto start = Clock::now();
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    bool body_cancelled = false;
    std::vector<std::string> errors;
    try {
      co_await group.run([](brisk::TaskGroup& g, bool* cancelled) -> Task<void> {
        g.spawn(fail_after(10, "child failed"));
        try {
          co_await brisk::sleep(2s);  // asyncio: the body of the `async with`
        } catch (const brisk::CancelledError&) {
          *cancelled = true;
          throw;
        }
      }(group, &body_cancelled));
    } catch (const brisk::ExceptionGroup& e) {
      errors = messages(e);
    }
    REQUIRE(body_cancelled);
    REQUIRE(brisk::test::joined(errors) == "child failed");
    // run() withdrew its own cancellation: the owner goes on uncancelled.
    REQUIRE(brisk::current_task()->cancelling() == 0);
    co_await brisk::sleep(1ms);
  }());
  REQUIRE(Clock::now() - start < 1s);
}

TEST_CASE("TaskGroup::run: the body's own error joins the children's, which are cancelled", "[task_group]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    brisk::TaskGroup group;
    std::vector<std::string> errors;
    try {
      co_await group.run([](brisk::TaskGroup& g, int* c) -> Task<void> {
        g.spawn(slow_to_cancel(1000, 5, c));
        co_await brisk::sleep(1ms);
        throw std::runtime_error("body failed");
      }(group, &cancelled));
    } catch (const brisk::ExceptionGroup& e) {
      errors = messages(e);
    }
    REQUIRE(brisk::test::joined(errors) == "body failed");
    REQUIRE(cancelled == 1);
  }());
}

TEST_CASE("TaskGroup::run: an outer cancellation during the body still propagates", "[task_group]") {
  CapturedLog log;
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    brisk::JoinHandle<void> owner;
    // Cancels the owner from outside, then fails: both cancellations reach
    // the body in the same turn, and run() may withdraw only its own.
    auto cancel_then_fail = [](brisk::JoinHandle<void>* o) -> Task<void> {
      co_await brisk::sleep(5ms);
      o->cancel();
      throw std::runtime_error("child failed");
    };
    auto body = [](brisk::TaskGroup& g, int* c, brisk::JoinHandle<void>* o, auto make_child) -> Task<void> {
      g.spawn(slow_to_cancel(1000, 5, c));
      g.spawn(make_child(o));
      co_await brisk::sleep(2s);
    };
    owner = brisk::spawn([](int* c, brisk::JoinHandle<void>* o, auto make_body, auto make_child) -> Task<void> {
      brisk::TaskGroup group;
      co_await group.run(make_body(group, c, o, make_child));
    }(&cancelled, &owner, body, cancel_then_fail));
    co_await owner.finished();
    REQUIRE(owner.cancelled());
    REQUIRE(cancelled == 1);
  }());
  REQUIRE(log.contains("failed and nobody awaited it: child failed"));  // the cancellation won
}

TEST_CASE("TaskGroup::run with a body that ends normally waits for the children", "[task_group]") {
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    brisk::JoinHandle<int> a;
    co_await group.run([](brisk::TaskGroup& g, brisk::JoinHandle<int>* out) -> Task<void> {
      *out = g.spawn(nap(20));
      co_return;
    }(group, &a));
    REQUIRE(a.result() == 20);
    REQUIRE_THROWS_AS(group.spawn(nap(1)), brisk::InvalidStateError);
  }());
}

TEST_CASE("a TaskGroup destroyed with live children cancels them and logs an error", "[task_group]") {
  CapturedLog log;
  brisk::run([](const CapturedLog* captured) -> Task<void> {
    int cancelled = 0;
    {
      brisk::TaskGroup group;
      group.spawn(slow_to_cancel(1000, 10, &cancelled));
      group.spawn(slow_to_cancel(1000, 10, &cancelled));
      co_await brisk::sleep(5ms);
    }  // no wait(): a bug, reported
    REQUIRE(captured->contains("TaskGroup destroyed with 2 child task(s) still running"));
    // The detached children finish on their own, after 10 ms cleanup timers:
    // well before their 1 s sleeps end.
    static_cast<void>(
        co_await eventually([&cancelled] { return cancelled == 2 && brisk::all_tasks().size() == 1; }, 500ms));
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::all_tasks().size() == 1);
  }(&log));
}

TEST_CASE("a TaskGroup under wait_for: the deadline cancels the children", "[task_group]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto block = [](int* c) -> Task<void> {
      brisk::TaskGroup group;
      group.spawn(slow_to_cancel(1000, 5, c));
      group.spawn(slow_to_cancel(1000, 5, c));
      co_await group.wait();
    };
    bool timed_out = false;
    try {
      co_await brisk::wait_for(20ms, block(&cancelled));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}
