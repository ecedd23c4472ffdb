#pragma once
// OnSuspend: a callback for the moment the running task next suspends.
//
// A Generator's body runs inside its consumer's task, so a consumer cannot
// tell whether the next value comes at once or after a wait. A consumer that
// batches values (a streamed response coalescing its pieces into one write)
// arms an OnSuspend before each next() and disarms it after: while the body
// yields without waiting, the batch grows; as soon as the body waits for
// something, its task's resumption ends and the callback sends the batch, so
// nothing made is held back while the body sleeps.
//
// It fires at most once per arm(), on the loop's thread, after the task has
// suspended (its frame must not be resumed from the callback; the callback
// may touch state the suspended code does not use while it waits). Arming
// replaces whatever OnSuspend the loop had armed for the same resumption.
//
// Lifetime: the object usually lives in the consumer's frame; its destructor
// disarms it, so the loop never calls a dead one.

#include <brisk/runtime/loop.hpp>

namespace brisk {

class OnSuspend {
 public:
  using Callback = void (*)(void* context) noexcept;

  OnSuspend(Callback fn, void* context) noexcept : fn_(fn), context_(context) {}
  OnSuspend(const OnSuspend&) = delete;
  OnSuspend& operator=(const OnSuspend&) = delete;
  ~OnSuspend() { disarm(); }

  // For the running task on this thread's loop.
  void arm() noexcept {
    loop_ = &Loop::current();
    task_ = loop_->current_task();
    loop_->on_suspend() = this;
  }
  void disarm() noexcept {
    if (loop_ != nullptr && loop_->on_suspend() == this) {
      loop_->on_suspend() = nullptr;
    }
  }

  TaskState* task() const noexcept { return task_; }
  void fire() noexcept { fn_(context_); }

 private:
  Callback fn_;
  void* context_;
  Loop* loop_ = nullptr;
  TaskState* task_ = nullptr;
};

}  // namespace brisk
