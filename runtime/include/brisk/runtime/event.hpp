#pragma once
// Event (asyncio.Event): set() wakes every task in wait() and lets later
// waits through until clear(). A clear() right after set() does not take the
// wake-up back from the tasks set() released (as in asyncio). A task
// cancelled while waiting leaves the queue and raises CancelledError; one
// cancelled after set() woke it returns normally and meets the cancellation
// at its next suspension.
//
// Lifetimes: the event outlives every task waiting on it (each waiter is a
// node inside its awaiter, in the waiting frame). One loop only.

#include <brisk/runtime/detail/wait_list.hpp>

#include <cstddef>

namespace brisk {

class Event {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const noexcept { return set_; }
  void set() noexcept {
    set_ = true;
    detail::Waiter::wake_all(waiters_);
  }
  void clear() noexcept { set_ = false; }
  std::size_t waiters() const noexcept { return waiters_.size(); }

  class [[nodiscard]] Awaiter : public detail::Waiter {
   public:
    Awaiter(Event& e, bool shielded) noexcept : Waiter(e.waiters_, shielded), event_(&e) {}
    bool await_ready() noexcept { return event_->set_ && proceed(); }
    void await_resume() const { raise_if_cancelled(); }

   private:
    Event* event_;
  };

  // Cancellable.
  Awaiter wait() noexcept { return Awaiter{*this, false}; }
  // Not cancellable: for a parent waiting out children it has cancelled.
  Awaiter wait_shielded() noexcept { return Awaiter{*this, true}; }

 private:
  bool set_ = false;
  detail::Waiter::List waiters_;
};

}  // namespace brisk
