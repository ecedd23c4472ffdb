#include <brisk/runtime/condition.hpp>
#include <brisk/runtime/task_state.hpp>

#include <limits>
#include <string>

namespace brisk {

void Condition::check_held(const Lock::Guard& held, const char* what) const {
  if (!lock_->held_by(held)) {
    throw InvalidStateError(std::string(what) + " without a guard of its lock");
  }
}

Condition::WaitAwaiter Condition::wait(Lock::Guard& held) {
  check_held(held, "Condition::wait");
  return WaitAwaiter{*this, held};
}

void Condition::notify(std::size_t n) {
  if (!lock_->locked()) {
    throw InvalidStateError("Condition::notify without holding its lock");
  }
  for (std::size_t i = 0; i < n && !waiters_.empty(); ++i) {
    auto& w = static_cast<WaitAwaiter&>(waiters_.pop_front());
    // Notified: from now on the wait is shielded (see the header), so the
    // task is no longer parked where cancel() would abort it.
    w.task()->unpark();
    w.relock();
  }
}

void Condition::notify_all() { notify(std::numeric_limits<std::size_t>::max()); }

bool Condition::WaitAwaiter::await_suspend(std::coroutine_handle<> h) {
  // A pending cancellation refuses the park: the lock was never let go and
  // await_resume raises at once.
  if (!Waiter::await_suspend(h)) {
    return false;
  }
  held_->release();
  return true;
}

void Condition::WaitAwaiter::await_resume() {
  raise_if_cancelled();
  // Whoever woke us (relock() or the lock's release()) handed us the permit.
  *held_ = Lock::Guard{cond_->lock_->sem_};
  if (aborted_) {
    throw CancelledError{};
  }
}

void Condition::WaitAwaiter::abort() noexcept {
  list_->remove(*this);
  aborted_ = true;
  relock();
}

void Condition::WaitAwaiter::relock() noexcept {
  Semaphore& sem = cond_->lock_->sem_;
  list_ = &sem.waiters_;
  if (sem.take_or_enqueue(*this)) {
    wake();
  }
}

}  // namespace brisk
