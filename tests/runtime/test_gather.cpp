#include <brisk/runtime/future.hpp>
#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;

namespace {

Task<int> nap(int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

Task<void> nap_void(int ms) { co_await brisk::sleep(std::chrono::milliseconds(ms)); }

Task<int> fail_after(int ms, std::string what) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error(what);
}

// Sleeps; when cancelled, first spends `cleanup_ms` cleaning up (as a child
// holding a resource would), then counts itself in *cancelled and rethrows.
// The counter lives in the caller's frame: gather must wait for this.
Task<int> slow_to_cancel(int ms, int cleanup_ms, int* cancelled) {
  try {
    co_await brisk::sleep(std::chrono::milliseconds(ms));
  } catch (const brisk::CancelledError&) {
    // No co_await in a handler: note it and clean up below.
  }
  if (brisk::current_task()->cancelling() > 0) {
    co_await brisk::sleep(std::chrono::milliseconds(cleanup_ms));
    ++*cancelled;
    throw brisk::CancelledError{};
  }
  co_return ms;
}

}  // namespace

TEST_CASE("gather(sleep 300 ms, sleep 300 ms) finishes in about 300 ms, not 600", "[gather]") {
  auto start = Clock::now();
  auto [a, b] = brisk::run(brisk::gather(nap(300), nap(300)));
  auto took = Clock::now() - start;
  REQUIRE(a == 300);
  REQUIRE(b == 300);
  REQUIRE(took >= 290ms);
  REQUIRE(took < 550ms);
}

TEST_CASE("gather returns results in the order of its tasks, void as std::monostate", "[gather]") {
  auto [values, mixed] = brisk::run([]() -> Task<std::pair<std::vector<int>, std::tuple<int, std::monostate>>> {
    std::vector<Task<int>> tasks;
    for (int ms : {30, 10, 20}) {
      tasks.push_back(nap(ms));
    }
    auto v = co_await brisk::gather(std::move(tasks));
    auto t = co_await brisk::gather(nap(5), nap_void(1));
    auto none = co_await brisk::gather(std::vector<Task<int>>{});
    REQUIRE(none.empty());
    co_return std::pair{std::move(v), t};
  }());
  REQUIRE(values == std::vector<int>{30, 10, 20});
  REQUIRE(std::get<0>(mixed) == 5);
}

TEST_CASE("gather hands move-only results through", "[gather]") {
  auto boxes = brisk::run([]() -> Task<std::vector<std::unique_ptr<int>>> {
    auto box = [](int v) -> Task<std::unique_ptr<int>> {
      co_await brisk::sleep(1ms);
      co_return std::make_unique<int>(v);
    };
    std::vector<Task<std::unique_ptr<int>>> tasks;
    tasks.push_back(box(1));
    tasks.push_back(box(2));
    co_return co_await brisk::gather(std::move(tasks));
  }());
  REQUIRE(boxes.size() == 2);
  REQUIRE(*boxes[0] == 1);
  REQUIRE(*boxes[1] == 2);
}

TEST_CASE("gather names its children after the gathering task", "[gather]") {
  auto names = brisk::run([]() -> Task<std::vector<std::string>> {
    auto whoami = []() -> Task<std::string> {
      co_await brisk::sleep(1ms);
      co_return brisk::current_task()->name();
    };
    auto fetcher = [](auto who) -> Task<std::vector<std::string>> {
      std::vector<Task<std::string>> tasks;
      tasks.push_back(who());
      tasks.push_back(who());
      co_return co_await brisk::gather(std::move(tasks));
    };
    co_return co_await brisk::spawn(fetcher(whoami), "fetcher");
  }());
  REQUIRE(names == std::vector<std::string>{"fetcher:gather[0]", "fetcher:gather[1]"});
}

TEST_CASE("gather: the first failure cancels the others, waits for them, and is rethrown", "[gather]") {
  auto start = Clock::now();
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    std::string error;
    try {
      std::vector<Task<int>> tasks;
      tasks.push_back(slow_to_cancel(1000, 30, &cancelled));
      tasks.push_back(fail_after(20, "bad"));
      tasks.push_back(slow_to_cancel(1000, 10, &cancelled));
      co_await brisk::gather(std::move(tasks));
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    REQUIRE(error == "bad");
    // Both siblings finished their cleanup before gather rethrew.
    REQUIRE(cancelled == 2);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
  REQUIRE(Clock::now() - start < 500ms);
}

TEST_CASE("gather_settled with two failures returns values and exceptions in order", "[gather]") {
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
  REQUIRE(outcomes[0].error() == nullptr);
  REQUIRE_FALSE(outcomes[1].ok());
  REQUIRE(outcomes[1].error() != nullptr);
  REQUIRE_THROWS_WITH(outcomes[1].value(), "first");
  REQUIRE(outcomes[2].value() == 20);
  REQUIRE_FALSE(outcomes[3].ok());
  REQUIRE_THROWS_WITH(outcomes[3].value(), "second");
}

TEST_CASE("the settled gather of different types returns a tuple of outcomes", "[gather]") {
  auto [a, b, c] = brisk::run(brisk::gather_settled(nap(5), fail_after(1, "void too"), nap_void(2)));
  REQUIRE(a.value() == 5);
  REQUIRE_THROWS_WITH(b.value(), "void too");
  REQUIRE(c.ok());
}

TEST_CASE("cancelling the gathering task cancels its children, waits for them, and ends cancelled", "[gather]") {
  brisk::run([]() -> Task<void> {
    int cancelled = 0;
    auto gatherer = [](int* c) -> Task<void> {
      std::vector<Task<int>> tasks;
      tasks.push_back(slow_to_cancel(1000, 20, c));
      tasks.push_back(slow_to_cancel(1000, 40, c));
      co_await brisk::gather(std::move(tasks));
    };
    auto h = brisk::spawn(gatherer(&cancelled), "gatherer");
    co_await brisk::sleep(10ms);
    auto start = Clock::now();
    h.cancel();
    co_await h.finished();
    REQUIRE(h.cancelled());
    REQUIRE(cancelled == 2);  // their cleanup ran before the gatherer ended
    REQUIRE(Clock::now() - start >= 35ms);
    REQUIRE(brisk::all_tasks().size() == 1);  // only this one: no child outlived the gatherer
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }());
}

TEST_CASE("a child cancelled before its first step is settled as CancelledError", "[gather]") {
  auto outcomes = brisk::run([]() -> Task<std::vector<brisk::Outcome<int>>> {
    std::vector<Task<int>> tasks;
    tasks.push_back(nap(10));
    tasks.push_back(nap(10));
    auto gathering = brisk::spawn(brisk::gather_settled(std::move(tasks)), "g");
    // Runs after the gatherer has spawned its children and before they start.
    auto sniper = []() -> Task<void> {
      for (brisk::TaskState* t : brisk::all_tasks()) {
        if (t->name() == "g:gather[0]") {
          t->cancel();
        }
      }
      co_return;
    };
    co_await brisk::spawn(sniper());
    co_return co_await std::move(gathering);
  }());
  REQUIRE(outcomes.size() == 2);
  REQUIRE_THROWS_AS(outcomes[0].value(), brisk::CancelledError);
  REQUIRE(outcomes[1].value() == 10);
}

TEST_CASE("gather over spawned tasks: co_await gather(handle_a, handle_b), as asyncio.gather(t1, t2)", "[gather]") {
  brisk::run([]() -> Task<void> {
    auto a = brisk::spawn(nap(20));
    auto b = brisk::spawn(nap(10));
    auto [x, y] = co_await brisk::gather(a, b);
    REQUIRE(x == 20);
    REQUIRE(y == 10);
    // The results were copied: the handles still have them.
    REQUIRE(a.result() == 20);
    REQUIRE(b.result() == 10);

    std::vector<brisk::JoinHandle<int>> handles;
    handles.push_back(brisk::spawn(nap(30)));
    handles.push_back(brisk::spawn(nap(5)));
    handles.push_back(brisk::spawn(nap(15)));
    auto values = co_await brisk::gather(handles);  // in the handles' order
    REQUIRE(values.size() == 3);
    REQUIRE(values[0] == 30);
    REQUIRE(values[1] == 5);
    REQUIRE(values[2] == 15);
    auto outcomes = co_await brisk::gather_settled(std::move(handles));
    REQUIRE(outcomes.size() == 3);
    REQUIRE(outcomes[1].value() == 5);
  }());
}

TEST_CASE("gather mixes Tasks, spawned tasks and futures", "[gather]") {
  brisk::run([]() -> Task<void> {
    brisk::Future<std::string> reply;
    auto handle = brisk::spawn(nap(5));
    auto nothing = brisk::spawn(nap_void(2));
    auto setter = brisk::spawn([](brisk::Future<std::string>* f) -> Task<void> {
      co_await brisk::sleep(10ms);
      f->set_result("pong");
    }(&reply));
    auto [a, b, c, d] = co_await brisk::gather(nap(1), handle, reply, nothing);
    REQUIRE(a == 1);
    REQUIRE(b == 5);
    REQUIRE(c == "pong");
    REQUIRE(std::is_same_v<decltype(d), std::monostate>);
    co_await setter;
  }());
}

TEST_CASE("gather over spawned tasks: a failure is rethrown and the other spawned tasks cancelled", "[gather]") {
  brisk::run([]() -> Task<void> {
    auto slow = brisk::spawn(nap(1000));
    auto failing = brisk::spawn(fail_after(10, "spawned and failed"));
    std::string error;
    try {
      co_await brisk::gather(slow, failing);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    REQUIRE(error == "spawned and failed");
    co_await slow.finished();
    REQUIRE(slow.cancelled());
  }());
}

TEST_CASE("cancelling a gather over spawned tasks cancels them", "[gather]") {
  brisk::run([]() -> Task<void> {
    auto a = brisk::spawn(nap(1000));
    auto b = brisk::spawn(nap(1000));
    auto gathering = brisk::spawn([](brisk::JoinHandle<int> x, brisk::JoinHandle<int> y) -> Task<void> {
      co_await brisk::gather(x, y);
    }(a, b));
    co_await brisk::sleep(5ms);
    gathering.cancel();
    co_await gathering.finished();
    REQUIRE(gathering.cancelled());
    co_await a.finished();
    co_await b.finished();
    REQUIRE(a.cancelled());
    REQUIRE(b.cancelled());
  }());
}
