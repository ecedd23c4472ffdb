#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/task_group.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/when_any.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
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

// Counts how many of its instances were cancelled while sleeping.
Task<int> counted_nap(int ms, int* cancelled) {
  try {
    co_await brisk::sleep(std::chrono::milliseconds(ms));
  } catch (const brisk::CancelledError&) {
    ++*cancelled;
    throw;
  }
  co_return ms;
}

}  // namespace

TEST_CASE("gather(sleep 100 ms, sleep 200 ms) takes about 200 ms, not 300", "[gather]") {
  auto start = Clock::now();
  auto [a, b] = brisk::run(brisk::gather(nap(100), nap(200)));
  auto took = Clock::now() - start;
  REQUIRE(a == 100);
  REQUIRE(b == 200);
  REQUIRE(took >= 195ms);
  REQUIRE(took < 280ms);
}

TEST_CASE("gather over a vector keeps the order of its tasks", "[gather]") {
  auto values = brisk::run([]() -> Task<std::vector<int>> {
    std::vector<Task<int>> tasks;
    for (int ms : {30, 10, 20}) {
      tasks.push_back(nap(ms));
    }
    co_return co_await brisk::gather(std::move(tasks));
  }());
  REQUIRE(values == std::vector<int>{30, 10, 20});
}

TEST_CASE("gather: the first failure cancels the others and is rethrown", "[gather]") {
  int cancelled = 0;
  auto start = Clock::now();
  REQUIRE_THROWS_WITH(brisk::run([](int* c) -> Task<void> {
                        std::vector<Task<int>> tasks;
                        tasks.push_back(counted_nap(1000, c));
                        tasks.push_back(fail_after(20, "bad"));
                        tasks.push_back(counted_nap(1000, c));
                        co_await brisk::gather(std::move(tasks));
                      }(&cancelled)),
                      "bad");
  REQUIRE(cancelled == 2);
  REQUIRE(Clock::now() - start < 500ms);
}

TEST_CASE("the settled gather returns values and exceptions in order", "[gather]") {
  auto outcomes = brisk::run([]() -> Task<std::vector<brisk::Outcome<int>>> {
    std::vector<Task<int>> tasks;
    tasks.push_back(nap(10));
    tasks.push_back(fail_after(5, "first"));
    tasks.push_back(nap(20));
    tasks.push_back(fail_after(15, "second"));
    co_return co_await brisk::gather_settled(std::move(tasks));
  }());
  REQUIRE(outcomes.size() == 4);
  REQUIRE(outcomes[0].ok());
  REQUIRE(outcomes[0].value() == 10);
  REQUIRE_FALSE(outcomes[1].ok());
  REQUIRE_THROWS_WITH(outcomes[1].value(), "first");
  REQUIRE(outcomes[2].value() == 20);
  REQUIRE_THROWS_WITH(outcomes[3].value(), "second");
}

TEST_CASE("cancelling the gathering task cancels its children and waits for them", "[gather][cancel]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto gatherer = [](int* c) -> Task<void> {
      std::vector<Task<int>> tasks;
      tasks.push_back(counted_nap(1000, c));
      tasks.push_back(counted_nap(1000, c));
      co_await brisk::gather(std::move(tasks));
    };
    auto h = brisk::spawn(gatherer(&cancelled));
    co_await brisk::sleep(10ms);
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("when_any returns the fastest and cancels the rest", "[when_any]") {
  int cancelled = 0;
  auto [index, value] = brisk::run([](int* c) -> Task<std::pair<std::size_t, int>> {
    std::vector<Task<int>> tasks;
    tasks.push_back(counted_nap(300, c));
    tasks.push_back(counted_nap(20, c));
    tasks.push_back(counted_nap(300, c));
    co_return co_await brisk::when_any(std::move(tasks));
  }(&cancelled));
  REQUIRE(index == 1);
  REQUIRE(value == 20);
  REQUIRE(cancelled == 2);
}

TEST_CASE("wait_for(500 ms, sleep(10 s)) raises TimeoutError after about 500 ms; the timer is gone", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto before = brisk::Loop::current().timer_count();
    auto start = Clock::now();
    bool timed_out = false;
    try {
      co_await brisk::wait_for(500ms, nap(10000));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    auto took = Clock::now() - start;
    REQUIRE(timed_out);
    REQUIRE(took >= 495ms);
    REQUIRE(took < 700ms);
    REQUIRE(brisk::Loop::current().timer_count() == before);
    REQUIRE(brisk::current_task()->cancelling() == 0);
    int quick = co_await brisk::wait_for(500ms, nap(5));
    REQUIRE(quick == 5);
  }());
}

TEST_CASE("an outer cancellation of a wait_for is never swallowed", "[timeout][cancel]") {
  brisk::run([]() -> Task<void> {
    auto inner = []() -> Task<bool> {
      try {
        co_await brisk::wait_for(1000ms, nap(10000));
      } catch (const brisk::TimeoutError&) {
        co_return false;  // wrong: the cancellation came from outside
      }
      co_return true;
    };
    // Cancelled from outside, long before the deadline.
    auto h = brisk::spawn(inner());
    co_await brisk::sleep(10ms);
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());

    // Cancelled from outside in the same turn as the deadline fires.
    auto racer = []() -> Task<void> { co_await brisk::wait_for(20ms, nap(10000)); };
    auto r = brisk::spawn(racer());
    co_await brisk::sleep(20ms);
    r.cancel();
    co_await r.finished();
    REQUIRE(r.cancelled());
  }());
}

TEST_CASE("one timeout() deadline spans several awaits", "[timeout]") {
  brisk::run([]() -> Task<void> {
    auto deadline = brisk::timeout(60ms);
    int a = co_await deadline.run(nap(30));
    REQUIRE(a == 30);
    bool timed_out = false;
    try {
      co_await deadline.run(nap(60));
    } catch (const brisk::TimeoutError&) {
      timed_out = true;
    }
    REQUIRE(timed_out);
    REQUIRE(deadline.expired());
  }());
}

TEST_CASE("a TaskGroup whose child throws cancels its siblings and rethrows", "[task_group]") {
  int cancelled = 0;
  auto start = Clock::now();
  REQUIRE_THROWS_WITH(brisk::run([](int* c) -> Task<void> {
                        brisk::TaskGroup group;
                        group.spawn(counted_nap(1000, c));
                        group.spawn(fail_after(20, "child failed"));
                        group.spawn(counted_nap(1000, c));
                        co_await group.wait();
                      }(&cancelled)),
                      "child failed");
  REQUIRE(cancelled == 2);
  REQUIRE(Clock::now() - start < 500ms);
}

TEST_CASE("a TaskGroup waits for all its children and hands out their results", "[task_group]") {
  brisk::run([]() -> Task<void> {
    brisk::TaskGroup group;
    auto a = group.spawn(nap(10));
    auto b = group.spawn(nap(30));
    co_await group.wait();
    REQUIRE(a.done());
    REQUIRE(b.done());
    REQUIRE(a.result() + b.result() == 40);
    REQUIRE_THROWS_AS(group.spawn(nap(1)), brisk::InvalidStateError);
  }());
}
