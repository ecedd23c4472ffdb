#pragma once
// Condition (asyncio.Condition) over a Lock:
//
//   auto held = co_await lock.acquire();
//   co_await cond.wait_for(held, [&] { return !items.empty(); });
//   ...
//   cond.notify();          // with the lock held, as asyncio requires
//
// wait(held) lets the lock go, waits for notify(), and takes the lock back
// before it returns, FIFO behind the lock's other waiters. It always returns
// or throws with `held` owning the lock again:
// - cancelled while waiting for a notify, it leaves the condition, queues for
//   the lock, and raises CancelledError once it holds it (as asyncio does);
// - once notified it is committed: a cancellation arriving while it queues
//   for the lock stays pending for the task's next suspension, so a notify is
//   never spent on a waiter that then gives up (asyncio 3.13 re-notifies for
//   the same reason).
// The wait is one intrusive node in the awaiter, moved from the condition's
// queue to the lock's: no allocation. wait_for() loops in a Task of its own
// (one frame per call, not per wake-up).
//
// Lifetimes: the Lock and the Condition outlive every waiter; `held` lives in
// the waiting frame (it is the caller's guard) and is touched only by it.

#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/task.hpp>

#include <coroutine>
#include <cstddef>

namespace brisk {

class Condition {
 public:
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  Lock& lock() const noexcept { return *lock_; }
  // Tasks waiting for a notify (not those notified and queued for the lock).
  std::size_t waiters() const noexcept { return waiters_.size(); }

  class [[nodiscard]] WaitAwaiter : public detail::Waiter {
   public:
    WaitAwaiter(Condition& c, Lock::Guard& held) noexcept : Waiter(c.waiters_), cond_(&c), held_(&held) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume();
    void abort() noexcept override;

   private:
    friend class Condition;
    // Leaves the condition's queue for the lock's; wakes at once if the lock is free.
    void relock() noexcept;

    Condition* cond_;
    Lock::Guard* held_;
    bool aborted_ = false;
  };

  // Throws InvalidStateError unless `held` holds this condition's lock.
  WaitAwaiter wait(Lock::Guard& held);

  // Waits until predicate() is true, checking it with the lock held.
  template <typename Predicate>
  Task<void> wait_for(Lock::Guard& held, Predicate predicate) {
    check_held(held, "Condition::wait_for");
    while (!predicate()) {
      co_await wait(held);
    }
  }

  // Wakes up to n waiters, longest first; each takes the lock back before it
  // returns. Throws InvalidStateError when the lock is not held.
  void notify(std::size_t n = 1);
  void notify_all();

 private:
  void check_held(const Lock::Guard& held, const char* what) const;

  Lock* lock_;
  detail::Waiter::List waiters_;
};

}  // namespace brisk
