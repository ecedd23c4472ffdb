#include <brisk/runtime.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;

namespace {

// Captures the runtime's log for one test and turns debug mode on.
struct DebugLog {
  DebugLog() {
    setenv("BRISK_DEBUG", "1", 1);
    brisk::set_log_sink([this](brisk::LogLevel, std::string_view m) {
      std::lock_guard lock(mutex);
      lines.emplace_back(m);
    });
  }
  ~DebugLog() {
    brisk::set_log_sink(nullptr);
    unsetenv("BRISK_DEBUG");
  }
  bool contains(const std::string& what) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines) {
      if (l.find(what) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

Task<int> unused() { co_return 1; }

}  // namespace

TEST_CASE("debug mode warns of a slow callback and names its task", "[debug]") {
  DebugLog log;
  brisk::run([]() -> Task<void> {
    auto hog = []() -> Task<void> {
      std::this_thread::sleep_for(150ms);  // blocks the loop on purpose
      co_return;
    };
    co_await brisk::spawn(hog(), "hog");
  }());
  REQUIRE(log.contains("slow callback: task 'hog'"));
}

TEST_CASE("debug mode reports a Task that was never awaited", "[debug]") {
  DebugLog log;
  brisk::run([]() -> Task<void> {
    { auto forgotten = unused(); }
    co_return;
  }());
  REQUIRE(log.contains("destroyed without ever being awaited"));
}

TEST_CASE("an exception nobody awaited is logged, never lost", "[debug]") {
  DebugLog log;
  brisk::run([]() -> Task<void> {
    auto boom = []() -> Task<void> {
      throw std::runtime_error("lost in the dark");
      co_return;
    };
    brisk::spawn(boom(), "orphan");
    co_await brisk::sleep(1ms);
  }());
  REQUIRE(log.contains("task 'orphan'"));
  REQUIRE(log.contains("lost in the dark"));
}

TEST_CASE("dump_tasks lists each live task with its spawn site and what it waits on", "[debug]") {
  std::string dump = brisk::run([]() -> Task<std::string> {
    brisk::Event never;
    auto waiter = [](brisk::Event& e) -> Task<void> { co_await e.wait(); };
    auto h = brisk::spawn(waiter(never), "waiter");
    co_await brisk::sleep(1ms);
    std::ostringstream out;
    brisk::dump_tasks(out);
    h.cancel();
    co_await h.finished();
    co_return out.str();
  }());
  REQUIRE(dump.find("'waiter' spawned at") != std::string::npos);
  REQUIRE(dump.find("test_debug.cpp") != std::string::npos);
  REQUIRE(dump.find("waiting in brisk::Event::Awaiter") != std::string::npos);
  REQUIRE(dump.find("'main'") != std::string::npos);
}
