#pragma once
// wait_for() and timeout() (asyncio.wait_for, asyncio.timeout).
//
//   int v = co_await wait_for(500ms, fetch());    // TimeoutError after 500 ms
//
//   auto deadline = timeout(2s);                  // one deadline for several awaits
//   co_await deadline.run(connect());
//   co_await deadline.run(handshake());
//   deadline.reschedule(1s); deadline.expired();
//
// The work runs in the calling task (no extra task). When the deadline
// passes, the task is cancelled; the CancelledError that comes out of the
// work becomes TimeoutError — unless the task was also cancelled from
// outside, which is never swallowed: cancelling() counts the requests and
// only ours is withdrawn (uncancel), as CPython 3.11 does.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <cstdint>
#include <type_traits>

namespace brisk {

class Timeout {
 public:
  explicit Timeout(Duration d) : loop_(&Loop::current()), deadline_(loop_->now() + ms(d)) {}

  // When the deadline passes, in the loop's milliseconds (Loop::now()).
  std::uint64_t when() const noexcept { return deadline_; }
  void reschedule(Duration d) { deadline_ = loop_->now() + ms(d); }
  bool expired() const noexcept { return expired_; }

  template <typename T>
  Task<T> run(Task<T> work) {
    TaskState* self = current_task();
    if (loop_->now() >= deadline_) {
      expired_ = true;
      work.drop_unstarted();
      throw TimeoutError{};
    }
    Timer timer{self};
    timer.node.start(*loop_, Duration(deadline_ - loop_->now()));
    bool timed_out = false;
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(work);
        timed_out = timer.finish();
      } else {
        T value = co_await std::move(work);
        timer.finish();
        co_return value;
      }
    } catch (const CancelledError&) {
      timed_out = timer.finish() && self->cancelling() == 0;
      if (!timed_out) {
        throw;
      }
    }
    if (timed_out) {
      expired_ = true;
      throw TimeoutError{};
    }
  }

 private:
  static std::uint64_t ms(Duration d) noexcept { return d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0; }

  // The armed deadline: on expiry it cancels the task; finish() stops it and
  // withdraws that cancellation, saying whether it had fired.
  struct Timer {
    explicit Timer(TaskState* t) noexcept : task(t), node(&Timer::fire, this) {}
    static void fire(void* self) noexcept {
      auto* t = static_cast<Timer*>(self);
      t->fired = true;
      t->task->cancel();
    }
    bool finish() noexcept {
      node.stop();
      if (fired) {
        task->uncancel();
      }
      return fired;
    }
    TaskState* task;
    TimerNode node;
    bool fired = false;
  };

  Loop* loop_;
  std::uint64_t deadline_;
  bool expired_ = false;
};

template <typename Rep, typename Period>
[[nodiscard]] Timeout timeout(std::chrono::duration<Rep, Period> d) {
  return Timeout{std::chrono::ceil<Duration>(d)};
}

// Runs `work` in this task; TimeoutError if it takes longer than `d`.
template <typename T, typename Rep, typename Period>
Task<T> wait_for(std::chrono::duration<Rep, Period> d, Task<T> work) {
  Timeout deadline{std::chrono::ceil<Duration>(d)};
  co_return co_await deadline.run(std::move(work));
}

}  // namespace brisk
