#pragma once
// wait_for() and timeout(): asyncio.wait_for and asyncio.timeout.
//
//   int v = co_await wait_for(500ms, fetch());     // TimeoutError after 500 ms
//
//   auto deadline = timeout(2s);                   // asyncio: async with timeout(2):
//   co_await deadline.run(connect());              //   one deadline for
//   co_await deadline.run(handshake());            //   several awaits
//   deadline.reschedule(1s);                       // from now; moves a running deadline too
//   deadline.when();  deadline.expired();
//
// C++ has no `async with`, so the block of asyncio.timeout() becomes the
// Timeout object plus run(): each `co_await deadline.run(work)` is one await
// inside the block, and all of them share the one deadline.
//
// The work runs in the calling task, not in a task of its own. A run() arms a
// timer; when the deadline passes, the timer cancels the calling task, and
// the CancelledError that comes out of the work is turned into TimeoutError.
// An outer cancellation is never swallowed (CPython's lesson): cancelling()
// counts the requests, run() withdraws only its own (uncancel), and converts
// only if no request is left beyond those the task already had when run()
// began (Python 3.12's rule); otherwise CancelledError goes on. The timer is
// stopped, and a cancellation it made withdrawn, on every way out of run().
//
// As in asyncio: work that completes is returned even if the deadline passed
// meanwhile; a deadline already past when run() starts still lets the work
// run until the loop's next turn (asyncio's call_soon); an exception other
// than CancelledError passes through unchanged.
//
// Lifetimes: a Timeout is bound to the loop of the thread that made it (so
// it needs a running loop), and must outlive every run() awaited on it (run's
// frame points to it). It cannot be copied or moved; timeout() returns it by
// guaranteed elision. One run() at a time: a second, concurrent one throws
// InvalidStateError.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace brisk {

class Timeout {
 public:
  // The deadline is `d` from the loop's time now.
  explicit Timeout(Duration d);
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;

  // The deadline, in the loop's milliseconds (Loop::now()).
  std::uint64_t when() const noexcept { return deadline_; }

  // True once the deadline has passed during a run() (which then raised
  // TimeoutError, or passed on an outer cancellation); reschedule() resets it.
  bool expired() const noexcept { return expired_; }

  // Moves the deadline to `d` from now, for a run() in progress too. Throws
  // InvalidStateError if the deadline of the run in progress has already
  // fired: its cancellation is under way (asyncio raises RuntimeError).
  template <typename Rep, typename Period>
  void reschedule(std::chrono::duration<Rep, Period> d) {
    reschedule_in(std::chrono::ceil<Duration>(d));
  }

  // Awaits `work` in this task under the deadline.
  template <typename T>
  [[nodiscard]] Task<T> run(Task<T> work) {
    Arm arm{*this};
    try {
      co_return co_await std::move(work);
    } catch (const CancelledError&) {
      if (!arm.disarm()) {
        throw;
      }
    }
    throw TimeoutError{};
  }

 private:
  // The deadline of one run() in progress, in run's frame: on expiry it
  // cancels the task; its destructor stops it and withdraws that cancellation.
  class Arm {
   public:
    explicit Arm(Timeout& owner);
    Arm(const Arm&) = delete;
    Arm& operator=(const Arm&) = delete;
    ~Arm();

    // Stops the timer; if it fired, withdraws its cancellation. True when the
    // deadline fired and no cancellation is left that came from elsewhere.
    // Only the first call does anything.
    bool disarm() noexcept;
    void restart();
    bool fired() const noexcept { return fired_; }

   private:
    static void fire(void* self) noexcept;

    Timeout* owner_;
    TaskState* task_;
    TimerNode timer_;
    int cancelling_at_entry_ = 0;
    bool fired_ = false;
    bool disarmed_ = false;
  };

  void reschedule_in(Duration d);
  std::uint64_t from_now(Duration d) const noexcept;

  Loop* loop_;
  std::uint64_t deadline_;
  Arm* active_ = nullptr;
  bool expired_ = false;
};

// A deadline `d` from now, for run() (asyncio.timeout(d)).
template <typename Rep, typename Period>
[[nodiscard]] Timeout timeout(std::chrono::duration<Rep, Period> d) {
  return Timeout{std::chrono::ceil<Duration>(d)};
}

// Awaits `work` in this task; TimeoutError if it takes longer than `d`
// (asyncio.wait_for, as Python 3.12 writes it: a timeout() around one await).
template <typename T, typename Rep, typename Period>
[[nodiscard]] Task<T> wait_for(std::chrono::duration<Rep, Period> d, Task<T> work) {
  Timeout deadline{std::chrono::ceil<Duration>(d)};
  co_return co_await deadline.run(std::move(work));
}

}  // namespace brisk
