#pragma once
// Semaphore and BoundedSemaphore (asyncio's), with RAII guards:
//
//   auto permit = co_await sem.acquire();               // released at scope exit
//   if (auto p = co_await sem.acquire_for(100ms)) {...} // bounded wait (server 503s)
//   if (auto p = sem.try_acquire()) {...}               // never waits
//
// FIFO and no barging: a released permit goes straight to the longest waiter,
// and nobody takes a free permit past a queue. A waiter cancelled while
// queued leaves the queue and raises CancelledError, holding nothing. A
// permit handed to a waiter is never lost, even when its task is cancelled in
// the same loop turn: the waiter returns the guard and the cancellation is
// delivered at the task's next suspension, unwinding the guard
// (detail/wait_list.hpp).
//
// Lifetimes: the semaphore must outlive its guards and every task waiting on
// it (a waiter is a node inside its awaiter, in the waiting frame; the
// semaphore's queue points at it). One loop only, like every primitive here.

#include <brisk/runtime/detail/permit_guard.hpp>
#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <optional>

namespace brisk {

class Condition;

class Semaphore {
 public:
  explicit Semaphore(std::size_t value) noexcept : value_(value) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  // Holds one permit; gives it back when destroyed or released.
  using Guard = detail::PermitGuard<Semaphore>;

  std::size_t value() const noexcept { return value_; }
  std::size_t waiters() const noexcept { return waiters_.size(); }
  bool locked() const noexcept { return value_ == 0; }

  std::optional<Guard> try_acquire() noexcept {
    if (!take()) {
      return std::nullopt;
    }
    return Guard{*this};
  }

  // Gives a permit back (asyncio's release(); guards call it): to the
  // longest waiter if there is one, else to the count.
  virtual void release();

  class [[nodiscard]] AcquireAwaiter : public detail::Waiter {
   public:
    explicit AcquireAwaiter(Semaphore& s) noexcept : Waiter(s.waiters_), s_(&s) {}
    bool await_ready() noexcept { return s_->take() && proceed(); }
    Guard await_resume() const {
      raise_if_cancelled();
      return Guard{*s_};
    }

   private:
    Semaphore* s_;
  };

  // Cancellable.
  AcquireAwaiter acquire() noexcept { return AcquireAwaiter{*this}; }

  // The waiter and its timer both live in the awaiter: a bounded wait costs
  // no task and no allocation.
  class [[nodiscard]] TimedAcquireAwaiter : public detail::Waiter {
   public:
    TimedAcquireAwaiter(Semaphore& s, Duration d) noexcept
        : Waiter(s.waiters_), s_(&s), delay_(d), timer_(&TimedAcquireAwaiter::on_timeout, this) {}
    bool await_ready() noexcept {
      granted_ = s_->take();
      return granted_ ? proceed() : delay_.count() <= 0;
    }
    bool await_suspend(std::coroutine_handle<> h);
    std::optional<Guard> await_resume() {
      timer_.stop();
      raise_if_cancelled();
      if (!granted_) {
        return std::nullopt;
      }
      return Guard{*s_};
    }
    void abort() noexcept override;

   private:
    static void on_timeout(void* self) noexcept;

    Semaphore* s_;
    Duration delay_;
    TimerNode timer_;
    bool granted_ = false;
  };

  // A permit if one comes within `d`, else an empty optional. Cancellable.
  // A zero or negative `d` never suspends (try_acquire as an awaitable).
  template <typename Rep, typename Period>
  TimedAcquireAwaiter acquire_for(std::chrono::duration<Rep, Period> d) noexcept {
    return TimedAcquireAwaiter{*this, std::chrono::ceil<Duration>(d)};
  }

 protected:
  std::size_t value_;
  detail::Waiter::List waiters_;

 private:
  // Condition moves its waiters onto its lock's queue without waking them.
  friend class Condition;

  // Takes a free permit unless others are queued for one.
  bool take() noexcept {
    if (value_ == 0 || !waiters_.empty()) {
      return false;
    }
    --value_;
    return true;
  }
  // Takes a permit for `w` now (true), or queues `w` for the next release
  // (false; the release wakes it with the permit).
  bool take_or_enqueue(detail::Waiter& w) noexcept {
    if (take()) {
      return true;
    }
    waiters_.push_back(w);
    return false;
  }
};

// A Semaphore that refuses to be released above its initial value
// (asyncio.BoundedSemaphore raises ValueError): such a release is a bug, and
// throws std::logic_error.
class BoundedSemaphore final : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value) noexcept : Semaphore(value), bound_(value) {}

  void release() override;

 private:
  std::size_t bound_;
};

}  // namespace brisk
