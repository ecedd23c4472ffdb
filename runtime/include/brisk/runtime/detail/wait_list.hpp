#pragma once
// A coroutine parked on a primitive's wait queue (Event, Lock, Semaphore,
// Queue, Condition). The node lives in the awaiter, inside the waiting
// frame, so queuing allocates nothing; a cancelled waiter unlinks itself
// (abort) and wakes with CancelledError.
//
// Hand-off rule that keeps permits and items from being lost: whoever wakes
// a waiter first gives it what it waited for (a permit, an item) and unlinks
// it. A cancellation arriving after that is no longer delivered to this wait
// (the task is not parked any more); it stays pending for the task's next
// suspension, and the waiter returns what it was given — a guard that
// releases the permit as the cancellation unwinds, an item the task holds.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/suspension.hpp>

namespace brisk::detail {

class Waiter : public ListHook, public Suspension {
 public:
  using List = IntrusiveList<Waiter>;

  Waiter(List& list, bool shielded = false) noexcept : list_(&list), shielded_(shielded) {}

  // A derived await_ready that got what it waited for at once returns
  // proceed(); when that says to yield, the wait is only a requeue.
  bool await_suspend(std::coroutine_handle<> h) {
    if (yielding()) {
      requeue(h);
      return true;
    }
    if (shielded_) {
      park_shielded(h);
    } else if (!park(h)) {
      return false;
    }
    list_->push_back(*this);
    return true;
  }

  void abort() noexcept override {
    list_->remove(*this);
    wake_cancelled();
  }

  // Unlinks the first waiter of `list` and resumes it on the next turn.
  static Waiter& wake_first(List& list) noexcept {
    Waiter& w = list.pop_front();
    w.wake();
    return w;
  }
  static void wake_all(List& list) noexcept {
    while (!list.empty()) {
      wake_first(list);
    }
  }

 protected:
  List* list_;

 private:
  bool shielded_;
};

}  // namespace brisk::detail
