#pragma once
// Timers and sleep().
//
// A loop keeps its timers in one heap driven by a single uv_timer_t, so a
// sleeping task costs a heap slot and the node inside its own frame, not a
// libuv handle (which could only be freed after an asynchronous close).

#include <brisk/runtime/suspension.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace brisk {

class Loop;
namespace detail {
class TimerHeap;
}

using Duration = std::chrono::milliseconds;

// One pending timer. The node lives wherever its owner keeps it (usually an
// awaiter in a coroutine frame); the owner must cancel it before it dies.
class TimerNode {
 public:
  using Callback = void (*)(void* context) noexcept;

  TimerNode(Callback on_fire, void* context) noexcept : on_fire_(on_fire), context_(context) {}
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;
  ~TimerNode();

  // Fires on_fire `delay` from now (Loop::now(): the clock read at this call,
  // not the time the loop's turn began).
  // Re-arming an armed node moves its deadline.
  void start(Loop& loop, Duration delay);
  // Fires at `deadline`, in Loop::now() milliseconds: for an owner that has
  // read the clock already (a past deadline fires in the next turn).
  void start_at(Loop& loop, std::uint64_t deadline);
  void stop() noexcept;
  bool armed() const noexcept { return index_ != npos; }
  std::uint64_t deadline() const noexcept { return deadline_; }

 private:
  friend class detail::TimerHeap;
  friend class Loop;
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();

  Callback on_fire_;
  void* context_;
  Loop* loop_ = nullptr;
  std::uint64_t deadline_ = 0;
  // 32 bits each keep a sleeping task small; the sequence number only orders
  // timers with the same deadline, so its wrapping is harmless.
  std::uint32_t seq_ = 0;
  std::uint32_t index_ = npos;
};

// `co_await sleep(d)`: suspends the task for d (asyncio.sleep). sleep(0ms)
// yields to the other ready tasks once. Cancellable: the timer is removed and
// CancelledError raised.
class [[nodiscard]] SleepAwaiter final : public Suspension {
 public:
  explicit SleepAwaiter(Duration d) noexcept
      : delay_ms_(d.count() <= 0 ? 0 : static_cast<std::uint32_t>(std::min<Duration::rep>(d.count(), max_delay_ms))),
        timer_(&SleepAwaiter::on_fire, this) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h);
  void await_resume() const { raise_if_cancelled(); }

 private:
  static void on_fire(void* self) noexcept;
  void abort() noexcept override;

  // About 49 days; longer sleeps are cut to it.
  static constexpr Duration::rep max_delay_ms = std::numeric_limits<std::uint32_t>::max();

  std::uint32_t delay_ms_;  // fits in the tail of Suspension
  TimerNode timer_;
};

template <typename Rep, typename Period>
[[nodiscard]] SleepAwaiter sleep(std::chrono::duration<Rep, Period> d) noexcept {
  return SleepAwaiter{std::chrono::ceil<Duration>(d)};
}

}  // namespace brisk
