#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/suspension.hpp>
#include <brisk/runtime/task_state.hpp>

namespace brisk {

bool Suspension::park(std::coroutine_handle<> h) {
  park_shielded(h);
  if (task_->take_cancel()) {
    cancelled_ = true;
    return false;
  }
  task_->park(this);
  return true;
}

void Suspension::park_shielded(std::coroutine_handle<> h) {
  task_ = current_task();
  if (task_ == nullptr) {
    throw InvalidStateError("brisk: awaited outside a task (start it with brisk::run or spawn)");
  }
  handle_ = h;
}

void Suspension::release() noexcept {
  if (task_->suspended_in() == this) {
    task_->unpark();
  }
}

void Suspension::wake() noexcept {
  release();
  task_->loop().schedule(task_, handle_);
}

void Suspension::wake_now() noexcept {
  release();
  task_->loop().resume_now(task_, handle_);
}

void Suspension::wake_cancelled() noexcept {
  cancelled_ = true;
  wake();
}

void Suspension::requeue(std::coroutine_handle<> h) {
  park_shielded(h);
  task_->loop().schedule(task_, h);
}

void Suspension::raise_if_cancelled() const {
  if (cancelled_) {
    throw CancelledError{};
  }
}

}  // namespace brisk
