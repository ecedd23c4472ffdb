#pragma once
// Loop: the event loop of one thread, a libuv loop plus the queue of
// coroutines ready to resume, the timer heap and the list of live tasks.
//
// One Loop per thread and at most one: brisk::run() makes it, runs it and
// closes it. Nothing in a Loop is shared with another thread except the inbox
// that thread-pool workers and SharedSemaphore releases post to
// (post_threadsafe).
//
// The first Loop sets SIGPIPE to be ignored, process-wide, as Python and Node
// do, unless the program has a handler for it: a write to a peer that has
// gone then fails with EPIPE instead of killing the process.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/timer.hpp>

#include <uv.h>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace brisk {

class OnSuspend;
class TaskState;

namespace detail {
class TimerHeap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  // The sequence number the next push() will give.
  std::uint32_t next_seq() const noexcept { return next_seq_; }
  TimerNode& top() noexcept { return *heap_.front(); }
  void push(TimerNode& n);
  void remove(TimerNode& n) noexcept;

 private:
  static bool earlier(const TimerNode& a, const TimerNode& b) noexcept;
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, TimerNode* n) noexcept;

  std::vector<TimerNode*> heap_;
  std::uint32_t next_seq_ = 0;
};
}  // namespace detail

class Loop {
 public:
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // This thread's loop; InvalidStateError when there is none.
  static Loop& current();
  static Loop* current_or_null() noexcept;

  uv_loop_t* uv() noexcept { return &uv_; }
  // The time in ms on the loop's clock, read now: a deadline counts from the
  // moment it is asked for, however long the loop's current turn has run.
  // (libuv's own uv_now() is the time the turn began.)
  std::uint64_t now() noexcept {
    uv_update_time(&uv_);
    return uv_now(&uv_);
  }
  // The deadline `ms` from this moment, in now()'s milliseconds. now()
  // counts whole milliseconds, rounded down, and a timer fires once now()
  // reaches its deadline, so a deadline of now() + ms could come up to a
  // millisecond early: it is counted from the same monotonic clock rounded
  // up instead, one clock read (libuv's loop time may be the coarse clock,
  // which never runs ahead of it). 0 is now(): due in the loop's next turn.
  std::uint64_t deadline_after(std::uint64_t ms) noexcept {
    if (ms == 0) {
      return now();
    }
    return (uv_hrtime() + 999'999) / 1'000'000 + ms;
  }

  // Resume `h`, running as part of `task`, on the next turn of the loop.
  void schedule(TaskState* task, std::coroutine_handle<> h);
  // Resume it now (from a libuv callback), with `task` made current.
  void resume_now(TaskState* task, std::coroutine_handle<> h) noexcept;

  // Thread-safe: any thread may ask this loop to resume `h` in `task`.
  // Each post must be announced first with expect_post() on the loop's own
  // thread, which keeps the loop alive until the post arrives. A post from
  // the loop's own thread goes straight to the ready queue.
  void expect_post() noexcept;
  void post_threadsafe(TaskState* task, std::coroutine_handle<> h);

  // Runs until `task` has finished.
  void run_until_done(const TaskState& task);
  // Cancels every live task, runs until all have finished, closes handles.
  void shutdown();
  // Runs `close` during shutdown(), once the tasks have finished and before
  // the loop's own handles close: for what a module keeps per loop (a handle
  // of its own, say), which `close` must start closing.
  void at_shutdown(std::function<void()> close);

  TaskState* current_task() const noexcept { return current_; }

  // The OnSuspend to fire when the running task's resumption ends (on_suspend.hpp).
  OnSuspend*& on_suspend() noexcept { return on_suspend_; }
  detail::IntrusiveList<TaskState>& tasks() noexcept { return tasks_; }

  bool debug() const noexcept { return debug_; }
  // In debug mode, a single resumption running longer than this is logged.
  std::chrono::milliseconds slow_callback_threshold{100};

  // Timers (used through TimerNode).
  void add_timer(TimerNode& n);
  void remove_timer(TimerNode& n) noexcept;
  std::size_t timer_count() const noexcept { return timers_.size(); }

 private:
  struct Ready {
    TaskState* task;
    std::coroutine_handle<> handle;
  };

  void run_ready();
  // One pass through libuv; false when nothing could ever wake the loop.
  bool turn();
  void resume(const Ready& r) noexcept;
  void arm_timer() noexcept;
  void fire_timers() noexcept;
  void drain_inbox();
  void posts_arrived(std::size_t n) noexcept;
  void install_debug_signal();

  uv_loop_t uv_;
  uv_timer_t timer_;
  uv_async_t wakeup_;
  uv_signal_t dump_signal_;
  std::uint64_t armed_deadline_ = 0;
  bool timer_armed_ = false;
  bool debug_ = false;
  bool closed_ = false;
  bool closing_handles_ = false;  // shutdown() ran the at_shutdown closers
  bool in_uv_run_ = false;

  std::vector<std::function<void()>> at_shutdown_;
  std::vector<Ready> ready_;
  std::vector<Ready> running_;
  detail::TimerHeap timers_;
  detail::IntrusiveList<TaskState> tasks_;
  TaskState* current_ = nullptr;
  OnSuspend* on_suspend_ = nullptr;

  std::mutex inbox_mutex_;
  std::vector<Ready> inbox_;
  std::uint64_t expected_posts_ = 0;
};

}  // namespace brisk
