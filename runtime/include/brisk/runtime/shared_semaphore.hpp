#pragma once
// SharedSemaphore: a Semaphore shared by every loop of the process, for a
// limit that counts across worker threads (a route allowed 2 requests at a
// time means 2 in the daemon, not 2 per worker). The same API as Semaphore:
//
//   auto permit = co_await sem.acquire();               // released at scope exit
//   if (auto p = co_await sem.acquire_for(100ms)) {...} // bounded wait (server 503s)
//   if (auto p = sem.try_acquire()) {...}               // never waits
//
// FIFO across loops and no barging: a release, on any thread, hands its
// permit straight to the longest waiter and posts that waiter's task back to
// its own loop (Loop::post_threadsafe); nobody takes a free permit past a
// queue. With a permit free and nobody queued, acquiring and releasing are one
// compare-and-swap each; the mutex is taken only when someone has to wait.
//
// Hand-off rule (compare detail/wait_list.hpp): whoever unlinks a waiter under
// the mutex decides how its wait ends — a release grants it the permit, its
// timer times it out, a cancellation cancels it — and nothing else changes
// that, except one case. A grant travels as a post, possibly from another
// thread, and cannot unpark the waiter's task, so a cancellation may still
// reach the waiter (abort()) while the post carrying its permit is on the
// way. Unlike the loop-local Semaphore's waiter, which keeps such a permit,
// this one passes it on, to the next waiter or to the count, and raises
// CancelledError when the post arrives, as asyncio's Semaphore does with a
// permit it was handed while being cancelled: the cancellation has been
// consumed by abort() and could not be delivered later. A cancellation that arrives while a timeout is
// on its way wins over the timeout in the same way. Either way no permit is
// leaked and no cancellation is lost, and each wait ends with exactly one post
// to its loop (which keeps the loop alive meanwhile).
//
// Lifetimes: the semaphore must outlive its guards and every task waiting on
// it (a waiter is a node in its awaiter, in the waiting frame; the queue
// points at it). A loop that shuts down cancels its tasks, and a cancelled
// waiter leaves the queue, so nothing in the queue points into a loop that has
// gone; one whose permit is on its way keeps its loop running until the
// post arrives. A task that swallows that cancellation and waits again holds
// up its loop's shutdown until a permit comes.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/detail/permit_guard.hpp>
#include <brisk/runtime/suspension.hpp>
#include <brisk/runtime/timer.hpp>

#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

namespace brisk {

class SharedSemaphore {
 public:
  explicit SharedSemaphore(std::size_t value) noexcept : state_(value * permit) {}
  SharedSemaphore(const SharedSemaphore&) = delete;
  SharedSemaphore& operator=(const SharedSemaphore&) = delete;

  // Holds one permit; gives it back when destroyed or released, on any thread.
  using Guard = detail::PermitGuard<SharedSemaphore>;

  // Snapshots: other threads may change them as soon as they are read.
  std::size_t value() const noexcept { return state_.load(std::memory_order_relaxed) / permit; }
  bool locked() const noexcept { return value() == 0; }
  std::size_t waiters() const;

  std::optional<Guard> try_acquire() noexcept {
    if (!take()) {
      return std::nullopt;
    }
    return Guard{*this};
  }

  // Gives a permit back, from any thread (guards call it): to the longest
  // waiter if there is one, else to the count.
  void release() noexcept;

  // The parking, queueing and ending of one wait; the awaiters below add
  // what they return.
  class Waiter : public detail::ListHook, public Suspension {
   public:
    // Queues for a permit, or takes one that came free since await_ready and
    // does not suspend; only requeues when await_ready took one but the
    // budget says to yield.
    bool await_suspend(std::coroutine_handle<> h);
    void abort() noexcept override;

   protected:
    explicit Waiter(SharedSemaphore& s) noexcept : s_(&s) {}
    ~Waiter() = default;

    // First thing in await_resume, whether the task waited or not: raises a
    // cancellation; whether a permit is held.
    bool end_wait();
    // From the loop's timer: ends the wait with no permit, unless it has
    // already ended otherwise.
    void time_out() noexcept;

    SharedSemaphore* s_;
    bool taken_ = false;  // at once, in await_ready

   private:
    friend class SharedSemaphore;
    enum class End { none, granted, timed_out, cancelled };

    void post() noexcept;

    End end_ = End::none;  // under s_->mutex_ until the wait's post
  };

  class [[nodiscard]] AcquireAwaiter final : public Waiter {
   public:
    explicit AcquireAwaiter(SharedSemaphore& s) noexcept : Waiter(s) {}
    bool await_ready() noexcept {
      taken_ = s_->take();
      return taken_ && proceed();
    }
    Guard await_resume() {
      end_wait();
      return Guard{*s_};
    }
  };

  // Cancellable. Waits as long as it takes.
  AcquireAwaiter acquire() noexcept { return AcquireAwaiter{*this}; }

  // The waiter and its timer both live in the awaiter: a bounded wait costs
  // no task and no allocation.
  class [[nodiscard]] TimedAcquireAwaiter final : public Waiter {
   public:
    TimedAcquireAwaiter(SharedSemaphore& s, Duration d) noexcept
        : Waiter(s), delay_(d), timer_(&TimedAcquireAwaiter::on_timeout, this) {}
    bool await_ready() noexcept {
      taken_ = s_->take();
      return taken_ ? proceed() : delay_.count() <= 0;
    }
    bool await_suspend(std::coroutine_handle<> h);
    std::optional<Guard> await_resume() {
      timer_.stop();
      if (!end_wait()) {
        return std::nullopt;
      }
      return Guard{*s_};
    }
    void abort() noexcept override {
      timer_.stop();
      Waiter::abort();
    }

   private:
    static void on_timeout(void* self) noexcept { static_cast<TimedAcquireAwaiter*>(self)->time_out(); }

    Duration delay_;
    TimerNode timer_;
  };

  // A permit if one comes within `d`, else an empty optional. Cancellable.
  // A zero or negative `d` never suspends (try_acquire as an awaitable).
  template <typename Rep, typename Period>
  TimedAcquireAwaiter acquire_for(std::chrono::duration<Rep, Period> d) noexcept {
    return TimedAcquireAwaiter{*this, std::chrono::ceil<Duration>(d)};
  }

 private:
  // state_ is free permits times `permit`, or exactly `queued` while anyone
  // waits: a permit is never free while someone waits for one, so a single
  // word says both, and the fast paths need no lock. While it is `queued`,
  // only holders of mutex_ change it.
  static constexpr std::uint64_t queued = 1;
  static constexpr std::uint64_t permit = 2;

  // Takes a free permit unless others are queued for one.
  bool take() noexcept {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    while (s >= permit) {
      if (state_.compare_exchange_weak(s, s - permit, std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  // Under mutex_: takes a free permit (true), or queues `w` (false).
  bool take_or_enqueue(Waiter& w) noexcept;
  // Under mutex_: the permit of a release goes to the first waiter, which is
  // returned for the caller to post once the mutex is free, or to the count.
  Waiter* hand_on() noexcept;
  // Under mutex_: `w` leaves the queue with `end`. False if it had left it.
  bool leave(Waiter& w, Waiter::End end) noexcept;

  std::atomic<std::uint64_t> state_;
  mutable std::mutex mutex_;
  detail::IntrusiveList<Waiter> waiters_;
};

}  // namespace brisk
