#pragma once
// The protocol every awaitable follows so that cancellation can reach it.
//
// When a coroutine suspends in an awaitable, the awaitable "parks" the current
// task on itself. TaskState::cancel() then calls abort() on that awaitable,
// which must undo its wait (dequeue itself, stop its timer, stop reading) and
// resume the task; its await_resume then throws CancelledError. A
// cancellation requested while the task is running (or parked somewhere that
// cannot be aborted) stays pending and is delivered by the next park().
//
// Lifetime: a Suspension lives in the awaiting coroutine's frame, which cannot
// be destroyed while suspended in it, so the task, the loop and every wait
// queue may hold a plain pointer to it until it is woken or aborted.
//
// Fairness: an awaitable that can complete at once (a write the kernel takes,
// a free permit, a queued item) asks proceed() before returning its result
// without suspending. Once the task has used up its cooperative budget
// (coop.hpp), proceed() says no: the awaitable keeps the result it already
// has and suspends anyway, and its await_suspend calls requeue(), which puts
// the task at the back of the ready queue. A cancellation that arrives
// meanwhile stays pending for the next suspension, so no result is lost.

#include <brisk/runtime/coop.hpp>

#include <coroutine>

namespace brisk {

class Loop;
class TaskState;

class Suspension {
 public:
  Suspension() = default;
  Suspension(const Suspension&) = delete;
  Suspension& operator=(const Suspension&) = delete;

  // Undo the wait and resume the task with a cancellation (see wake_cancelled).
  virtual void abort() noexcept = 0;

  TaskState* task() const noexcept { return task_; }

 protected:
  ~Suspension() = default;

  // Call from await_suspend. Returns false, and must not suspend, when a
  // cancellation is pending: await_resume then throws at once.
  // Throws InvalidStateError outside a task.
  [[nodiscard]] bool park(std::coroutine_handle<> h);
  // Suspends without offering abort(): a cancellation stays pending until
  // the next park(). For waits that must complete (a parent waiting for the
  // children it has cancelled).
  void park_shielded(std::coroutine_handle<> h);

  // Resume the parked coroutine on the loop's next turn, with its result.
  void wake() noexcept;
  // Resume it now, from inside a libuv callback, when the data it is handed
  // lives only until the callback returns (a read into the loop's buffer).
  void wake_now() noexcept;
  // Resume it with CancelledError (from abort()).
  void wake_cancelled() noexcept;

  // True: go on without suspending. False: the budget is spent; suspend, and
  // have await_suspend call requeue() when yielding() says so.
  [[nodiscard]] bool proceed() noexcept {
    yielding_ = !coop::spend();
    return !yielding_;
  }
  bool yielding() const noexcept { return yielding_; }
  // Suspends until the loop's next turn, the result already in hand.
  void requeue(std::coroutine_handle<> h);

  void raise_if_cancelled() const;
  bool cancelled() const noexcept { return cancelled_; }
  std::coroutine_handle<> handle() const noexcept { return handle_; }

 private:
  void release() noexcept;

  TaskState* task_ = nullptr;
  std::coroutine_handle<> handle_ = nullptr;
  bool cancelled_ = false;
  bool yielding_ = false;
};

}  // namespace brisk
