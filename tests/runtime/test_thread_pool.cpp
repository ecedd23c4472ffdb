#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timer.hpp>

#include <catch2/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using brisk::ThreadPool;
using brisk::test::eventually;
using Clock = std::chrono::steady_clock;

namespace {

// Holds a worker until opened. The wait is bounded, so that a broken pool
// fails the test instead of hanging it.
class Gate {
 public:
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    opened_.wait_for(lock, 5s, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// Occupies a worker of `pool` until `release` opens.
Task<int> hold_worker(ThreadPool* pool, Gate* release) {
  co_return co_await brisk::to_thread(*pool, [release] {
    release->wait();
    return 1;
  });
}

}  // namespace

TEST_CASE("to_thread runs blocking calls in parallel while the loop keeps its timers", "[thread_pool]") {
  struct Outcome {
    Clock::duration took;
    Clock::duration max_lateness;
    int sum;
    int ticks;
  };
  auto out = brisk::run([]() -> Task<Outcome> {
    auto blocking = [](int i) -> Task<int> {
      co_return co_await brisk::to_thread([i] {
        std::this_thread::sleep_for(500ms);
        return i;
      });
    };
    auto ticker = [](std::atomic<bool>* stop, Clock::duration* worst, int* ticks) -> Task<void> {
      while (!stop->load()) {
        auto before = Clock::now();
        co_await brisk::sleep(10ms);
        *worst = std::max(*worst, Clock::now() - before - 10ms);
        ++*ticks;
      }
    };

    std::atomic<bool> stop{false};
    Outcome o{};
    // Start the pool before timing: creating its threads is not the point.
    ThreadPool::default_pool();
    auto tick = brisk::spawn(ticker(&stop, &o.max_lateness, &o.ticks));
    auto start = Clock::now();
    std::vector<brisk::JoinHandle<int>> jobs;
    for (int i = 1; i <= 4; ++i) {
      jobs.push_back(brisk::spawn(blocking(i)));
    }
    for (auto& j : jobs) {
      o.sum += co_await j;
    }
    o.took = Clock::now() - start;
    stop = true;
    co_await tick;
    co_return o;
  }());
  REQUIRE(out.sum == 1 + 2 + 3 + 4);
  REQUIRE(out.took >= 499ms);
  REQUIRE(out.took < 1500ms);  // one after the other would take 2 s
  CAPTURE(std::chrono::duration_cast<std::chrono::microseconds>(out.max_lateness).count());
  REQUIRE(out.ticks >= 10);
  REQUIRE(out.max_lateness < 250ms);  // a blocked loop would be 500 ms late
}

TEST_CASE("to_thread rethrows the function's exception on the loop", "[thread_pool]") {
  auto message = brisk::run([]() -> Task<std::string> {
    try {
      co_await brisk::to_thread([]() -> int { throw std::runtime_error("disk on fire"); });
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  }());
  REQUIRE(message == "disk on fire");
}

TEST_CASE("to_thread resumes on the caller's loop thread, with void and move-only results", "[thread_pool]") {
  brisk::run([]() -> Task<void> {
    auto loop_thread = std::this_thread::get_id();
    std::thread::id worker_thread;
    co_await brisk::to_thread([&worker_thread] { worker_thread = std::this_thread::get_id(); });
    REQUIRE(std::this_thread::get_id() == loop_thread);
    REQUIRE(worker_thread != loop_thread);
    auto p = co_await brisk::to_thread([] { return std::make_unique<std::string>("moved"); });
    REQUIRE(*p == "moved");
  }());
}

TEST_CASE("with no queue, a job runs only on a free thread", "[thread_pool]") {
  ThreadPool pool({.threads = 1, .queue_capacity = 0});
  Gate release;
  brisk::run([](ThreadPool* p, Gate* gate) -> Task<void> {
    int alone = co_await brisk::to_thread(*p, [] { return 1; });
    REQUIRE(alone == 1);
    auto running = brisk::spawn(hold_worker(p, gate));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);
    bool overloaded = false;
    try {
      co_await brisk::to_thread(*p, [] { return 0; });
    } catch (const brisk::OverloadedError&) {
      overloaded = true;
    }
    REQUIRE(overloaded);
    gate->open();
    int a = co_await running;
    REQUIRE(a == 1);
  }(&pool, &release));
}

TEST_CASE("a full queue raises OverloadedError at once", "[thread_pool]") {
  ThreadPool pool({.threads = 1, .queue_capacity = 1});
  REQUIRE(pool.threads() == 1);
  REQUIRE(pool.capacity() == 1);
  Gate release;
  brisk::run([](ThreadPool* p, Gate* gate) -> Task<void> {
    auto running = brisk::spawn(hold_worker(p, gate));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);
    auto queued = brisk::spawn(hold_worker(p, gate));
    bool waiting = co_await eventually([p] { return p->queue_depth() == 1; }, 5s);
    REQUIRE(waiting);

    bool overloaded = false;
    auto before = Clock::now();
    try {
      co_await brisk::to_thread(*p, [] { return 0; });
    } catch (const brisk::OverloadedError&) {
      overloaded = true;
    }
    REQUIRE(overloaded);
    REQUIRE(Clock::now() - before < 1s);  // at once, not when the gate opens
    REQUIRE(p->queue_depth() == 1);

    gate->open();
    int a = co_await running;
    int b = co_await queued;
    REQUIRE(a + b == 2);
    REQUIRE(p->running() == 0);
    REQUIRE(p->queue_depth() == 0);
  }(&pool, &release));
}

TEST_CASE("a task cancelled while its job is queued wakes at once and the job never runs", "[thread_pool][cancel]") {
  ThreadPool pool({.threads = 1, .queue_capacity = 8});
  Gate release;
  std::atomic<bool> ran{false};
  brisk::run([](ThreadPool* p, Gate* gate, std::atomic<bool>* flag) -> Task<void> {
    auto busy = brisk::spawn(hold_worker(p, gate));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);

    auto victim = [](ThreadPool* pool_, std::atomic<bool>* f) -> Task<void> {
      co_await brisk::to_thread(*pool_, [f] { *f = true; });
    };
    auto h = brisk::spawn(victim(p, flag));
    bool queued = co_await eventually([p] { return p->queue_depth() == 1; }, 5s);
    REQUIRE(queued);

    auto before = Clock::now();
    h.cancel();
    bool cancelled = co_await brisk::test::ends_cancelled(h);
    REQUIRE(cancelled);
    REQUIRE(h.cancelled());
    REQUIRE(Clock::now() - before < 1s);  // not after the busy job
    REQUIRE(p->queue_depth() == 0);
    REQUIRE_FALSE(busy.done());

    gate->open();
    int one = co_await busy;
    REQUIRE(one == 1);
  }(&pool, &release, &ran));
  pool.shutdown();
  REQUIRE_FALSE(ran);
}

TEST_CASE("a task cancelled while its job runs raises CancelledError only after the function returns",
          "[thread_pool][cancel]") {
  ThreadPool pool({.threads = 1, .queue_capacity = 8});
  Gate release;
  brisk::run([](ThreadPool* p, Gate* gate) -> Task<void> {
    // fn writes into the task's frame after the cancellation: ASan would
    // catch the frame unwinding under it.
    auto victim = [](ThreadPool* pool_, Gate* g, bool* wrote_in_time) -> Task<void> {
      std::string in_frame = "before";
      try {
        co_await brisk::to_thread(*pool_, [g, &in_frame] {
          g->wait();
          std::this_thread::sleep_for(20ms);
          in_frame = "written by the worker after the cancellation";
          return 5;
        });
      } catch (const brisk::CancelledError&) {
        *wrote_in_time = in_frame != "before";
        throw;
      }
    };
    bool wrote_in_time = false;
    auto h = brisk::spawn(victim(p, gate, &wrote_in_time));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);

    h.cancel();
    co_await brisk::sleep(30ms);
    REQUIRE_FALSE(h.done());  // still parked: fn is running

    gate->open();
    bool cancelled = co_await brisk::test::ends_cancelled(h);
    REQUIRE(cancelled);
    REQUIRE(h.cancelled());
    REQUIRE(wrote_in_time);
  }(&pool, &release));
}

TEST_CASE("run() waits for the running job of a leftover task it cancels", "[thread_pool][cancel]") {
  std::atomic<bool> fn_finished{false};
  bool saw_cancel = false;
  auto start = Clock::now();
  brisk::run([](std::atomic<bool>* finished, bool* cancelled) -> Task<void> {
    auto leftover = [](std::atomic<bool>* f, bool* c) -> Task<void> {
      try {
        co_await brisk::to_thread([f] {
          std::this_thread::sleep_for(100ms);
          *f = true;
        });
      } catch (const brisk::CancelledError&) {
        *c = true;
        throw;
      }
    };
    static_cast<void>(brisk::spawn(leftover(finished, cancelled)));  // detached: run() cancels it
    // Running, not just queued: a queued job is withdrawn, not waited for.
    ThreadPool& pool = ThreadPool::default_pool();
    bool started = co_await eventually([&pool] { return pool.running() == 1; }, 5s);
    REQUIRE(started);
  }(&fn_finished, &saw_cancel));
  REQUIRE(Clock::now() - start >= 99ms);
  REQUIRE(fn_finished);
  REQUIRE(saw_cancel);
}

TEST_CASE("a timer already due when the loop polls wakes its task while a job is out", "[thread_pool][sleep]") {
  // A job in flight keeps the loop's inbox handle active, so a poll that
  // ignored the woken timer would block until the job ends.
  ThreadPool pool({.threads = 1, .queue_capacity = 8});
  Gate release;
  auto took = brisk::run([](ThreadPool* p, Gate* gate) -> Task<Clock::duration> {
    auto busy = brisk::spawn(hold_worker(p, gate));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);
    auto before = Clock::now();
    auto napper = brisk::spawn([]() -> Task<void> { co_await brisk::sleep(1ms); }());
    co_await brisk::sleep(0ms);  // napper is now parked on its timer
    std::this_thread::sleep_for(5ms);  // which is overdue before the loop next polls
    co_await napper;
    auto t = Clock::now() - before;
    gate->open();
    int one = co_await busy;
    REQUIRE(one == 1);
    co_return t;
  }(&pool, &release));
  REQUIRE(took < 100ms);
}

TEST_CASE("two loops on two threads share a pool and each gets its own results", "[thread_pool]") {
  ThreadPool pool({.threads = 2, .queue_capacity = 64});
  auto on_thread = [&pool](int base, long* sum) {
    *sum = brisk::run([](ThreadPool* p, int b) -> Task<long> {
      auto one = [](ThreadPool* p_, int v) -> Task<long> {
        co_return co_await brisk::to_thread(*p_, [v] {
          std::this_thread::sleep_for(1ms);
          return static_cast<long>(v);
        });
      };
      long total = 0;
      for (int round = 0; round < 10; ++round) {
        std::vector<brisk::JoinHandle<long>> batch;
        for (int i = 0; i < 10; ++i) {
          batch.push_back(brisk::spawn(one(p, b + round * 10 + i)));
        }
        for (auto& h : batch) {
          total += co_await h;
        }
      }
      co_return total;
    }(&pool, base));
  };
  long a = 0;
  long b = 0;
  std::thread ta(on_thread, 0, &a);
  std::thread tb(on_thread, 1000, &b);
  ta.join();
  tb.join();
  REQUIRE(a == 99 * 100 / 2);
  REQUIRE(b == 100 * 1000 + 99 * 100 / 2);
}

TEST_CASE("shutdown completes queued jobs as cancelled and refuses new ones", "[thread_pool]") {
  ThreadPool pool({.threads = 1, .queue_capacity = 8});
  Gate release;
  std::thread stopper;
  brisk::run([](ThreadPool* p, Gate* gate, std::thread* stop) -> Task<void> {
    auto busy = brisk::spawn(hold_worker(p, gate));
    bool started = co_await eventually([p] { return p->running() == 1; }, 5s);
    REQUIRE(started);
    auto queued = brisk::spawn(hold_worker(p, gate));
    bool waiting = co_await eventually([p] { return p->queue_depth() == 1; }, 5s);
    REQUIRE(waiting);

    // shutdown() joins the busy worker, so it cannot run on the loop thread.
    *stop = std::thread([p] { p->shutdown(); });
    bool cancelled = co_await brisk::test::ends_cancelled(queued);
    REQUIRE(cancelled);
    REQUIRE_FALSE(busy.done());

    gate->open();
    int one = co_await busy;
    REQUIRE(one == 1);

    bool refused = false;
    try {
      co_await brisk::to_thread(*p, [] { return 0; });
    } catch (const brisk::InvalidStateError&) {
      refused = true;
    }
    REQUIRE(refused);
  }(&pool, &release, &stopper));
  stopper.join();
}

TEST_CASE("the default pool is configured before its first use only", "[thread_pool]") {
  REQUIRE_THROWS_AS(ThreadPool::configure_default({.threads = 0, .queue_capacity = 1}), std::invalid_argument);
  ThreadPool& pool = ThreadPool::default_pool();
  REQUIRE(&pool == &ThreadPool::default_pool());
  REQUIRE(pool.threads() >= 1);
  REQUIRE_THROWS_AS(ThreadPool::configure_default({.threads = 2, .queue_capacity = 16}), brisk::InvalidStateError);
  REQUIRE_THROWS_AS(ThreadPool({.threads = 0, .queue_capacity = 8}), std::invalid_argument);
}
