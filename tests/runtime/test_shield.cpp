#include <brisk/runtime/run.hpp>
#include <brisk/runtime/shield.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using brisk::Task;
using brisk::test::fail_after;
using brisk::test::nap;
using brisk::test::CapturedLog;
using brisk::test::ends_cancelled;

TEST_CASE("shield: the result and the exception come through", "[shield]") {
  brisk::run([]() -> Task<void> {
    auto got = co_await brisk::shield(nap(5));
    REQUIRE(got == 5);
    auto moved = co_await brisk::shield([]() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(3); }());
    REQUIRE(*moved == 3);
    std::string error;
    try {
      co_await brisk::shield(fail_after(1, "inner failed"));
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    REQUIRE(error == "inner failed");
  }());
}

TEST_CASE("shield: cancelling the awaiter raises at once and leaves the work running", "[shield]") {
  brisk::run([]() -> Task<void> {
    auto saving = brisk::spawn(nap(30), "save");
    auto awaiter = brisk::spawn([](brisk::JoinHandle<int> task) -> Task<int> {
      co_return co_await brisk::shield(std::move(task));
    }(saving));
    co_await brisk::sleep(5ms);
    awaiter.cancel();
    REQUIRE(co_await ends_cancelled(awaiter));
    REQUIRE_FALSE(saving.done());  // untouched by the cancellation
    auto got = co_await saving;
    REQUIRE(got == 30);
  }());
}

TEST_CASE("shield(handle) copies the result: the handle kept can still read it", "[shield]") {
  brisk::run([]() -> Task<void> {
    auto task = brisk::spawn([]() -> Task<std::string> { co_return std::string(64, 'x'); }());
    auto got = co_await brisk::shield(task);
    REQUIRE(got.size() == 64);
    REQUIRE(task.result().size() == 64);
  }());
}

TEST_CASE("shield: a shielded task cancelled through its handle cancels the await", "[shield]") {
  brisk::run([]() -> Task<void> {
    auto shielded = brisk::shield(nap(1000));
    auto inner = shielded.handle();
    auto awaiter = brisk::spawn([](brisk::Shielded<int> s) -> Task<int> { co_return co_await s; }(std::move(shielded)));
    co_await brisk::sleep(5ms);
    inner.cancel();
    REQUIRE(co_await ends_cancelled(awaiter));
    REQUIRE(inner.cancelled());
  }());
}

TEST_CASE("shield: work outliving a cancelled awaiter still has its error logged", "[shield]") {
  CapturedLog log;
  brisk::run([]() -> Task<void> {
    auto awaiter = brisk::spawn([]() -> Task<int> { co_return co_await brisk::shield(fail_after(20, "late failure")); }());
    co_await brisk::sleep(5ms);
    awaiter.cancel();
    REQUIRE(co_await ends_cancelled(awaiter));
    // The Shielded object is gone with the awaiter's frame: the task is detached.
    REQUIRE(co_await brisk::test::eventually([] { return brisk::all_tasks().size() == 1; }));
  }());
  REQUIRE(log.contains("late failure"));
}
