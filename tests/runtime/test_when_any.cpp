#include <brisk/runtime/future.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/runtime/when_any.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;

namespace {

// Sleeps `ms`; when cancelled, counts itself in *cancelled (a local of the
// caller's frame, which when_any must outlive) and rethrows.
Task<int> counted_nap(int ms, int* cancelled) {
  try {
    co_await brisk::sleep(std::chrono::milliseconds(ms));
  } catch (const brisk::CancelledError&) {
    ++*cancelled;
    throw;
  }
  co_return ms;
}

Task<int> fail_after(int ms, std::string what) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error(what);
}

}  // namespace

TEST_CASE("when_any picks the fastest, cancels the rest and waits for them", "[when_any]") {
  auto start = Clock::now();
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    std::vector<Task<int>> tasks;
    tasks.push_back(counted_nap(800, &cancelled));
    tasks.push_back(counted_nap(20, &cancelled));
    tasks.push_back(counted_nap(800, &cancelled));
    auto [index, value] = co_await brisk::when_any(std::move(tasks));
    REQUIRE(index == 1);
    REQUIRE(value == 20);
    REQUIRE(cancelled == 2);  // already cancelled and finished, not merely asked
    REQUIRE(brisk::all_tasks().size() == 1);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
  REQUIRE(Clock::now() - start < 400ms);
}

TEST_CASE("when_any: a first finisher that failed has its exception rethrown", "[when_any]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    std::vector<Task<int>> tasks;
    tasks.push_back(counted_nap(800, &cancelled));
    tasks.push_back(fail_after(10, "lost the race badly"));
    std::string error;
    try {
      co_await brisk::when_any(std::move(tasks));
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    REQUIRE(error == "lost the race badly");
    REQUIRE(cancelled == 1);
  }());
}

TEST_CASE("when_any of no task is a misuse", "[when_any]") {
  REQUIRE_THROWS_AS(brisk::run(brisk::when_any(std::vector<Task<int>>{})), brisk::InvalidStateError);
}

TEST_CASE("race of tasks of different types returns the winner as a variant", "[when_any]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto word = []() -> Task<std::string> {
      co_await brisk::sleep(5ms);
      co_return "first";
    };
    auto tick = [](int* c) -> Task<void> { co_await counted_nap(800, c); };
    auto won = co_await brisk::race(counted_nap(800, &cancelled), word(), tick(&cancelled));
    REQUIRE(won.index() == 1);
    REQUIRE(std::get<1>(won) == "first");
    REQUIRE(cancelled == 2);

    // The same type twice: the index still says which one.
    auto same = co_await brisk::race(counted_nap(800, &cancelled), counted_nap(5, &cancelled));
    REQUIRE(same.index() == 1);
    REQUIRE(std::get<1>(same) == 5);
    REQUIRE(cancelled == 3);
  }());
}

TEST_CASE("cancelling the task in when_any cancels every child and waits for them", "[when_any]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto racer = [](int* c) -> Task<void> {
      std::vector<Task<int>> tasks;
      tasks.push_back(counted_nap(800, c));
      tasks.push_back(counted_nap(900, c));
      co_await brisk::when_any(std::move(tasks));
    };
    auto h = brisk::spawn(racer(&cancelled), "racer");
    co_await brisk::sleep(10ms);
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::all_tasks().size() == 1);
  }());
}

TEST_CASE("when_any over spawned tasks: the first done wins, the others are cancelled", "[when_any]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    std::vector<brisk::JoinHandle<int>> handles;
    handles.push_back(brisk::spawn(counted_nap(800, &cancelled)));
    handles.push_back(brisk::spawn(counted_nap(10, &cancelled)));
    auto [index, value] = co_await brisk::when_any(handles);
    REQUIRE(index == 1);
    REQUIRE(value == 10);
    co_await handles[0].finished();
    REQUIRE(handles[0].cancelled());
    REQUIRE(cancelled == 1);
  }());
}

TEST_CASE("race of a spawned task and a future", "[when_any]") {
  brisk::run([]() -> Task<void> {
    brisk::Future<std::string> reply;
    int cancelled = 0;
    auto slow = brisk::spawn(counted_nap(800, &cancelled));
    auto setter = brisk::spawn([](brisk::Future<std::string>* f) -> Task<void> {
      co_await brisk::sleep(10ms);
      f->set_result("first");
    }(&reply));
    auto won = co_await brisk::race(slow, reply);
    REQUIRE(won.index() == 1);
    REQUIRE(std::get<1>(won) == "first");
    co_await slow.finished();
    REQUIRE(cancelled == 1);
    co_await setter;
  }());
}
