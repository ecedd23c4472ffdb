#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/task_state.hpp>

#include <stdexcept>

namespace brisk {

void Semaphore::release() {
  if (waiters_.empty()) {
    ++value_;
    return;
  }
  // The permit passes to the waiter as it is unlinked, so value_ never shows
  // it as free and no one can take it between this turn and the waiter's.
  detail::Waiter::wake_first(waiters_);
}

void BoundedSemaphore::release() {
  if (waiters_.empty() && value_ >= bound_) {
    throw std::logic_error("BoundedSemaphore released too many times");
  }
  Semaphore::release();
}

bool Semaphore::TimedAcquireAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (yielding()) {
    requeue(h);  // granted at once: no wait, no timer
    return true;
  }
  if (!Waiter::await_suspend(h)) {
    return false;
  }
  // From here the permit is ours unless the timer or a cancellation comes first.
  granted_ = true;
  timer_.start(task()->loop(), delay_);
  return true;
}

void Semaphore::TimedAcquireAwaiter::abort() noexcept {
  timer_.stop();
  Waiter::abort();
}

void Semaphore::TimedAcquireAwaiter::on_timeout(void* self) noexcept {
  auto* a = static_cast<TimedAcquireAwaiter*>(self);
  if (!a->linked()) {
    return;  // a release handed it the permit earlier in this turn
  }
  a->granted_ = false;
  a->list_->remove(*a);
  a->wake();
}

}  // namespace brisk
