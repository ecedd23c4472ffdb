#include <brisk/runtime/future.hpp>
#include <brisk/runtime/log.hpp>

#include <string>

namespace brisk::detail {

FutureBase::~FutureBase() {
  if (!waiters_.empty()) {
    log(LogLevel::error, "Future destroyed while " + std::to_string(waiters_.size()) +
                             " task(s) awaited it: they get CancelledError");
    while (!waiters_.empty()) {
      static_cast<AwaiterBase&>(waiters_.pop_front()).orphan();
    }
  }
  if (state_ == State::exception && !retrieved_) {
    log(LogLevel::error, "Future exception was never retrieved: " + describe(error_));
  }
}

bool FutureBase::cancel() noexcept {
  if (done()) {
    return false;
  }
  state_ = State::cancelled;
  Waiter::wake_all(waiters_);
  return true;
}

void FutureBase::set_exception(std::exception_ptr e) {
  throw_if_done("Future::set_exception on a done future");
  if (!e) {
    throw InvalidStateError("Future::set_exception without an exception");
  }
  error_ = std::move(e);
  state_ = State::exception;
  Waiter::wake_all(waiters_);
}

std::exception_ptr FutureBase::exception() {
  if (state_ == State::cancelled) {
    throw CancelledError{};
  }
  if (state_ == State::pending) {
    throw InvalidStateError("Future::exception on a future that is not done");
  }
  retrieved_ = true;
  return error_;
}

void FutureBase::settle_ok() {
  state_ = State::result;
  Waiter::wake_all(waiters_);
}

void FutureBase::throw_if_done(const char* what) const {
  if (done()) {
    throw InvalidStateError(what);
  }
}

void FutureBase::check_result() {
  if (auto e = exception()) {
    std::rethrow_exception(e);
  }
}

}  // namespace brisk::detail
