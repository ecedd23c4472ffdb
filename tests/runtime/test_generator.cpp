#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Generator;
using brisk::Task;

namespace {

Generator<int> count_to(int n) {
  for (int i = 0; i < n; ++i) {
    co_yield i;
  }
}

// Counts how many times a body's local was destroyed.
struct Witness {
  explicit Witness(int* destroyed) : destroyed_(destroyed) {}
  Witness(const Witness&) = delete;
  Witness& operator=(const Witness&) = delete;
  ~Witness() { ++*destroyed_; }
  int* destroyed_;
};

}  // namespace

TEST_CASE("a generator yields its values, then nullopt", "[generator]") {
  auto values = brisk::run([]() -> Task<std::vector<int>> {
    auto g = count_to(5);
    std::vector<int> seen;
    while (auto v = co_await g.next()) {
      seen.push_back(*v);
    }
    REQUIRE(g.finished());
    auto again = co_await g.next();
    REQUIRE_FALSE(again.has_value());
    co_return seen;
  }());
  REQUIRE(values == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a generator is lazy", "[generator]") {
  brisk::run([]() -> Task<void> {
    bool started = false;
    auto body = [](bool* flag) -> Generator<int> {
      *flag = true;
      co_yield 1;
    };
    auto g = body(&started);
    REQUIRE_FALSE(started);
    auto first = co_await g.next();
    REQUIRE(started);
    REQUIRE(first == 1);
  }());
}

TEST_CASE("a generator body may await between yields", "[generator]") {
  auto start = std::chrono::steady_clock::now();
  auto chunks = brisk::run([]() -> Task<std::string> {
    auto body = []() -> Generator<std::string> {
      for (int i = 0; i < 3; ++i) {
        co_await brisk::sleep(10ms);
        co_yield "chunk" + std::to_string(i) + ";";
      }
    };
    // Another task runs while the body sleeps.
    auto other = brisk::spawn([]() -> Task<int> {
      co_await brisk::sleep(5ms);
      co_return 7;
    }());
    std::string all;
    auto g = body();
    while (auto c = co_await g.next()) {
      all += *c;
    }
    int seven = co_await other;
    REQUIRE(seven == 7);
    co_return all;
  }());
  REQUIRE(chunks == "chunk0;chunk1;chunk2;");
  REQUIRE(std::chrono::steady_clock::now() - start >= 20ms);  // timers count from the loop's cached time
}

TEST_CASE("an exception from the body comes out of next(), then the generator is finished", "[generator]") {
  brisk::run([]() -> Task<void> {
    auto body = []() -> Generator<int> {
      co_yield 1;
      throw std::runtime_error("body failed");
    };
    auto g = body();
    auto first = co_await g.next();
    REQUIRE(first == 1);
    std::string message;
    try {
      static_cast<void>(co_await g.next());
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    REQUIRE(message == "body failed");
    REQUIRE(g.finished());
    auto after = co_await g.next();
    REQUIRE_FALSE(after.has_value());
  }());
}

TEST_CASE("destroying a generator half-way destroys its frame", "[generator]") {
  int destroyed = 0;
  bool ran_past_last_yield = false;
  brisk::run([](int* count, bool* past) -> Task<void> {
    auto body = [](int* c, bool* p) -> Generator<std::string> {
      Witness w(c);
      auto owned = std::make_unique<std::string>("heap memory ASan would report if leaked");
      for (int i = 0; i < 5; ++i) {
        co_yield *owned + std::to_string(i);
      }
      *p = true;
    };
    {
      auto g = body(count, past);
      auto a = co_await g.next();
      auto b = co_await g.next();
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      REQUIRE(*count == 0);
    }
    REQUIRE(*count == 1);

    // Never started: the body (and its local) never existed.
    { auto unstarted = body(count, past); }
    REQUIRE(*count == 1);
  }(&destroyed, &ran_past_last_yield));
  REQUIRE(destroyed == 1);
  REQUIRE_FALSE(ran_past_last_yield);
}

TEST_CASE("cancelling the consumer cancels the await inside the body", "[generator][cancel]") {
  int destroyed = 0;
  brisk::run([](int* count) -> Task<void> {
    auto body = [](int* c) -> Generator<int> {
      Witness w(c);
      co_yield 1;
      co_await brisk::sleep(1h);
      co_yield 2;
    };
    auto consumer = [](Generator<int> g) -> Task<int> {
      int sum = 0;
      while (auto v = co_await g.next()) {
        sum += *v;
      }
      co_return sum;
    };
    auto h = brisk::spawn(consumer(body(count)));
    co_await brisk::sleep(5ms);
    REQUIRE_FALSE(h.done());
    h.cancel();
    bool cancelled = co_await brisk::test::ends_cancelled(h);
    REQUIRE(cancelled);
    REQUIRE(*count == 1);
    REQUIRE(brisk::Loop::current().timer_count() == 0);
  }(&destroyed));
  REQUIRE(destroyed == 1);
}

TEST_CASE("a generator yields move-only values", "[generator]") {
  auto total = brisk::run([]() -> Task<int> {
    auto body = []() -> Generator<std::unique_ptr<int>> {
      for (int i = 1; i <= 3; ++i) {
        co_yield std::make_unique<int>(i);
      }
    };
    int sum = 0;
    auto g = body();
    while (auto p = co_await g.next()) {
      sum += **p;
    }
    co_return sum;
  }());
  REQUIRE(total == 6);
}

TEST_CASE("a long stream uses no stack (symmetric transfer)", "[generator]") {
#if defined(__SANITIZE_ADDRESS__)
  // GCC cannot turn the resumption into a tail call once ASan instruments
  // the frames; the depth claim is checked by the normal build.
  constexpr int n = 2000;
#else
  constexpr int n = 1000000;
#endif
  auto sum = brisk::run([]() -> Task<long> {
    auto g = count_to(n);
    long s = 0;
    while (auto v = co_await g.next()) {
      s += *v;
    }
    co_return s;
  }());
  REQUIRE(sum == static_cast<long>(n) * (n - 1) / 2);
}
