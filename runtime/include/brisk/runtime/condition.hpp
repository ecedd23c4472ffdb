#pragma once
// Condition (asyncio.Condition) over a Lock:
//
//   auto held = co_await lock.acquire();
//   co_await cond.wait_for(held, [&] { return !items.empty(); });
//
// wait() releases the lock, waits for notify(), and takes the lock back
// before returning — also when it was cancelled, so the caller's guard always
// owns the lock when the CancelledError reaches it (as in asyncio).

#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/task.hpp>

#include <cstddef>
#include <exception>
#include <limits>

namespace brisk {

class Condition {
 public:
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // `held` must own this condition's lock.
  Task<void> wait(Lock::Guard& held) {
    if (!held.owns()) {
      throw InvalidStateError("Condition::wait without holding its lock");
    }
    held.release();
    std::exception_ptr cancelled;
    try {
      co_await Parked{waiters_};
    } catch (...) {
      cancelled = std::current_exception();
    }
    held = co_await lock_->acquire_shielded();
    if (cancelled) {
      std::rethrow_exception(cancelled);
    }
  }

  template <typename Predicate>
  Task<void> wait_for(Lock::Guard& held, Predicate predicate) {
    while (!predicate()) {
      co_await wait(held);
    }
  }

  // Wakes up to n waiters; each still has to take the lock back.
  void notify(std::size_t n = 1) noexcept {
    for (std::size_t i = 0; i < n && !waiters_.empty(); ++i) {
      detail::Waiter::wake_first(waiters_);
    }
  }
  void notify_all() noexcept { notify(std::numeric_limits<std::size_t>::max()); }

  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  struct Parked : detail::Waiter {
    using Waiter::Waiter;
    bool await_ready() const noexcept { return false; }
    void await_resume() const { raise_if_cancelled(); }
  };

  Lock* lock_;
  detail::Waiter::List waiters_;
};

}  // namespace brisk
