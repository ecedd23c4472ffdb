#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/shared_semaphore.hpp>
#include <brisk/runtime/task_state.hpp>

namespace brisk {

std::size_t SharedSemaphore::waiters() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void SharedSemaphore::release() noexcept {
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  while (s != queued) {
    if (state_.compare_exchange_weak(s, s + permit, std::memory_order_release, std::memory_order_relaxed)) {
      return;
    }
  }
  Waiter* next = nullptr;
  {
    std::lock_guard lock(mutex_);
    next = hand_on();
  }
  if (next != nullptr) {
    next->post();
  }
}

bool SharedSemaphore::take_or_enqueue(Waiter& w) noexcept {
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if (s >= permit) {
      if (state_.compare_exchange_weak(s, s - permit, std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    } else if (s == queued || state_.compare_exchange_weak(s, queued, std::memory_order_relaxed)) {
      // A release that lands from now on sees `queued` and takes the mutex.
      break;
    }
  }
  waiters_.push_back(w);
  return false;
}

SharedSemaphore::Waiter* SharedSemaphore::hand_on() noexcept {
  if (waiters_.empty()) {
    // The last waiter left (cancelled, timed out) after the release looked.
    state_.fetch_add(permit, std::memory_order_release);
    return nullptr;
  }
  // The permit passes to the waiter as it is unlinked: state_ never shows it
  // free, so no one takes it between now and the waiter's turn on its loop.
  Waiter& w = waiters_.pop_front();
  w.end_ = Waiter::End::granted;
  if (waiters_.empty()) {
    state_.store(0, std::memory_order_relaxed);
  }
  return &w;
}

bool SharedSemaphore::leave(Waiter& w, Waiter::End end) noexcept {
  if (!w.linked()) {
    return false;
  }
  waiters_.remove(w);
  w.end_ = end;
  if (waiters_.empty()) {
    state_.store(0, std::memory_order_relaxed);
  }
  return true;
}

bool SharedSemaphore::Waiter::await_suspend(std::coroutine_handle<> h) {
  if (yielding()) {
    requeue(h);  // taken at once: no wait
    return true;
  }
  if (!park(h)) {
    return false;
  }
  {
    std::lock_guard lock(s_->mutex_);
    if (s_->take_or_enqueue(*this)) {
      taken_ = true;
      task()->unpark();
      return false;
    }
  }
  // Whoever ends the wait posts the task back to this loop, exactly once;
  // until then the loop stays alive for it. The post can only be drained on
  // this thread, after we return to the loop.
  task()->loop().expect_post();
  return true;
}

bool SharedSemaphore::TimedAcquireAwaiter::await_suspend(std::coroutine_handle<> h) {
  // Started before queueing, so that nothing after it can fail; it cannot
  // fire before this thread is back in its loop.
  if (!yielding()) {
    timer_.start(Loop::current(), delay_);
  }
  if (Waiter::await_suspend(h)) {
    return true;
  }
  timer_.stop();
  return false;
}

void SharedSemaphore::Waiter::abort() noexcept {
  bool was_queued = false;
  Waiter* next = nullptr;
  {
    std::lock_guard lock(s_->mutex_);
    was_queued = s_->leave(*this, End::cancelled);
    if (!was_queued) {
      // The wait has ended and its post is on the way. A permit it was
      // granted goes on to the next in line (see the header).
      if (end_ == End::granted) {
        next = s_->hand_on();
      }
      end_ = End::cancelled;
    }
  }
  if (was_queued) {
    post();
  }
  if (next != nullptr) {
    next->post();
  }
}

void SharedSemaphore::Waiter::time_out() noexcept {
  bool was_queued = false;
  {
    std::lock_guard lock(s_->mutex_);
    was_queued = s_->leave(*this, End::timed_out);
  }
  if (was_queued) {
    post();
  }
}

bool SharedSemaphore::Waiter::end_wait() {
  if (taken_) {
    return true;
  }
  // Woken by a post, not by wake(): nothing has unparked the task yet.
  if (task() != nullptr && task()->suspended_in() == this) {
    task()->unpark();
  }
  raise_if_cancelled();
  if (end_ == End::cancelled) {
    throw CancelledError{};
  }
  return end_ == End::granted;
}

// The waiter's frame stays until this post resumes it, and its loop until
// the post is drained: both may be read here, from any thread.
void SharedSemaphore::Waiter::post() noexcept { task()->loop().post_threadsafe(task(), handle()); }

}  // namespace brisk
