#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using brisk::Task;

namespace {

Task<int> answer() { co_return 42; }

Task<int> add_one(int depth) {
  if (depth == 0) {
    co_return 0;
  }
  co_return 1 + co_await add_one(depth - 1);
}

Task<void> fail() {
  throw std::runtime_error("boom");
  co_return;
}

}  // namespace

TEST_CASE("run returns the main task's value", "[task]") { REQUIRE(brisk::run(answer()) == 42); }

TEST_CASE("a task is lazy: nothing runs until it is awaited", "[task]") {
  bool ran = false;
  auto body = [](bool* flag) -> Task<void> {
    *flag = true;
    co_return;
  };
  brisk::run([](bool* flag, auto make) -> Task<void> {
    Task<void> t = make(flag);
    REQUIRE_FALSE(*flag);
    co_await std::move(t);
    REQUIRE(*flag);
  }(&ran, body));
  REQUIRE(ran);
}

TEST_CASE("deep await chains use no stack (symmetric transfer)", "[task]") {
#if defined(__SANITIZE_ADDRESS__)
  // GCC cannot turn the resumption into a tail call once ASan instruments
  // the frames; the depth claim is checked by the normal build.
  constexpr int depth = 2000;
#else
  constexpr int depth = 1000000;
#endif
  REQUIRE(brisk::run(add_one(depth)) == depth);
}

TEST_CASE("exceptions travel through co_await", "[task]") {
  REQUIRE_THROWS_WITH(brisk::run(fail()), "boom");
}

TEST_CASE("move-only results", "[task]") {
  auto make = []() -> Task<std::unique_ptr<std::string>> { co_return std::make_unique<std::string>("moved"); };
  auto out = brisk::run([](auto m) -> Task<std::unique_ptr<std::string>> { co_return co_await m(); }(make));
  REQUIRE(*out == "moved");
}

TEST_CASE("sleep suspends for about the given time", "[task][sleep]") {
  auto start = std::chrono::steady_clock::now();
  brisk::run([]() -> Task<void> { co_await brisk::sleep(50ms); }());
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(took >= 49ms);
  REQUIRE(took < 500ms);
}

TEST_CASE("spawn runs tasks concurrently and joins them", "[spawn]") {
  auto total = brisk::run([]() -> Task<int> {
    auto worker = [](int ms) -> Task<int> {
      co_await brisk::sleep(std::chrono::milliseconds(ms));
      co_return ms;
    };
    auto start = std::chrono::steady_clock::now();
    auto a = brisk::spawn(worker(300));
    auto b = brisk::spawn(worker(300));
    int sum = co_await a + co_await b;
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(took < 550ms);  // one after the other: 600 ms
    co_return sum;
  }());
  REQUIRE(total == 600);
}

TEST_CASE("cancel delivers CancelledError at the suspension point", "[cancel]") {
  brisk::run([]() -> Task<void> {
    bool cleaned = false;
    auto sleeper = [](bool* flag) -> Task<void> {
      try {
        co_await brisk::sleep(10s);
      } catch (const brisk::CancelledError&) {
        *flag = true;
        throw;
      }
    };
    auto h = brisk::spawn(sleeper(&cleaned));
    co_await brisk::sleep(10ms);
    REQUIRE(h.cancel());
    REQUIRE_THROWS_AS(co_await h, brisk::CancelledError);
    REQUIRE(h.cancelled());
    REQUIRE(cleaned);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("a task cancelled before its first step never runs", "[cancel]") {
  brisk::run([]() -> Task<void> {
    bool ran = false;
    auto body = [](bool* flag) -> Task<void> {
      *flag = true;
      co_return;
    };
    auto h = brisk::spawn(body(&ran));
    h.cancel();
    REQUIRE_THROWS_AS(co_await h, brisk::CancelledError);
    REQUIRE_FALSE(ran);
  }());
}

TEST_CASE("run cancels the tasks left when main returns", "[run]") {
  bool cancelled = false;
  brisk::run([](bool* flag) -> Task<void> {
    auto forever = [](bool* f) -> Task<void> {
      try {
        co_await brisk::sleep(1h);
      } catch (const brisk::CancelledError&) {
        *f = true;
        throw;
      }
    };
    brisk::spawn(forever(flag));  // detached: run() must cancel it
    co_await brisk::sleep(1ms);
  }(&cancelled));
  REQUIRE(cancelled);
}

TEST_CASE("current_task and all_tasks name the live tasks", "[introspection]") {
  brisk::run([]() -> Task<void> {
    REQUIRE(brisk::current_task()->name() == "main");
    auto nap = []() -> Task<void> { co_await brisk::sleep(1h); };
    auto h = brisk::spawn(nap(), "sleeper");
    co_await brisk::sleep(0ms);
    auto tasks = brisk::all_tasks();
    REQUIRE(tasks.size() == 2);
    h.cancel();
    co_await h.finished();
    REQUIRE(brisk::all_tasks().size() == 1);
  }());
}

TEST_CASE("a task cancelled while joining another wakes at once and cancels what it joined", "[cancel][spawn]") {
  brisk::run([]() -> Task<void> {
    auto nap = []() -> Task<void> { co_await brisk::sleep(1h); };
    auto joiner = [](brisk::JoinHandle<void> target) -> Task<void> { co_await target; };
    auto inner = brisk::spawn(nap(), "inner");
    auto outer = brisk::spawn(joiner(inner), "outer");
    co_await brisk::sleep(2ms);
    outer.cancel();
    co_await outer.finished();
    co_await inner.finished();
    REQUIRE(outer.cancelled());
    REQUIRE(inner.cancelled());  // as awaiting an asyncio.Task does
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}
