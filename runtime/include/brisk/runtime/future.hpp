#pragma once
// Future<T>: asyncio's loop.create_future(), a result that is set once and
// awaited by any number of tasks.
//
//   brisk::Future<int> reply;
//   spawn(consumer(reply));            // co_await reply -> 42, in every awaiter
//   reply.set_result(42);              // or set_exception(e), or cancel()
//
// set_result() and set_exception() may be called once, by a task or by a
// plain callback on the loop's thread (a TimerNode's, a libuv callback):
// they only schedule the awaiters, never resume them in place. Setting a done
// future (cancelled included) raises InvalidStateError, as in asyncio.
//
// Awaiting a done future returns at once (spending the cooperative budget,
// coop.hpp); otherwise the task waits. Every awaiter gets the same outcome:
// a const reference to the one value the future holds, or the same exception
// rethrown. cancel() wakes every awaiter with CancelledError; a task
// cancelled while it waits leaves alone and raises CancelledError, the other
// awaiters wait on. A task woken by set_result() and cancelled in the same
// loop turn still returns the result and meets the cancellation at its next
// suspension (detail/wait_list.hpp).
//
// done(), cancelled(), result() and exception() answer as asyncio's do:
// result() rethrows the exception, throws CancelledError if cancelled and
// InvalidStateError if not done yet. An exception set and never retrieved
// (by an await, result() or exception()) is logged when the future goes, as
// a task's is.
//
// Lifetimes: whoever made the future owns it; it cannot be moved or copied.
// Each awaiter is a node inside its awaiting frame, linked into the future
// while it waits, so the future must outlive its awaiters' waits, and the
// reference an await returns is valid as long as the future lives. A future
// destroyed while tasks still wait on it (a bug) wakes them with
// CancelledError first and logs an error, so no one is left pointing at it.
// One loop only, like every primitive here.

#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/errors.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace brisk {

namespace detail {

// What Future<T> does whatever its T: state, exception, waiters.
class FutureBase {
 public:
  FutureBase() = default;
  FutureBase(const FutureBase&) = delete;
  FutureBase& operator=(const FutureBase&) = delete;

  bool done() const noexcept { return state_ != State::pending; }
  bool cancelled() const noexcept { return state_ == State::cancelled; }
  std::size_t waiters() const noexcept { return waiters_.size(); }

  // False when the future was already done (asyncio's cancel()).
  bool cancel() noexcept;
  // Throws InvalidStateError if done, or if `e` holds no exception.
  void set_exception(std::exception_ptr e);

  // The exception set, or nullptr after a result; CancelledError if
  // cancelled, InvalidStateError if not done.
  std::exception_ptr exception();

  class [[nodiscard]] AwaiterBase : public Waiter {
   public:
    explicit AwaiterBase(FutureBase& f) noexcept : Waiter(f.waiters_), f_(&f) {}
    AwaiterBase(const AwaiterBase&) = delete;
    AwaiterBase& operator=(const AwaiterBase&) = delete;
    ~AwaiterBase() { list_->remove(*this); }
    bool await_ready() noexcept { return f_->done() && proceed(); }

   protected:
    // Checks this wait and the future's outcome; rethrows what must be.
    void check() const {
      raise_if_cancelled();
      f_->check_result();
    }

    FutureBase* f_;

   private:
    friend class FutureBase;
    void orphan() noexcept { wake_cancelled(); }
  };

 protected:
  ~FutureBase();

  // Marks the future done with its result (already stored) and wakes its
  // awaiters.
  void settle_ok();
  void throw_if_done(const char* what) const;
  // Rethrows the exception or cancellation; InvalidStateError if pending.
  void check_result();

 private:
  enum class State : unsigned char { pending, result, exception, cancelled };

  Waiter::List waiters_;
  std::exception_ptr error_;
  State state_ = State::pending;
  bool retrieved_ = false;
};

}  // namespace detail

template <typename T = void>
class Future : public detail::FutureBase {
 public:
  Future() noexcept = default;
  ~Future() = default;

  template <typename U = T>
    requires std::is_constructible_v<T, U&&>
  void set_result(U&& value) {
    throw_if_done("Future::set_result on a done future");
    value_.emplace(std::forward<U>(value));
    settle_ok();
  }

  // The value; see exception() for what it throws instead.
  const T& result() {
    check_result();
    return *value_;
  }

  class [[nodiscard]] Awaiter : public AwaiterBase {
   public:
    using AwaiterBase::AwaiterBase;
    const T& await_resume() const {
      check();
      return *static_cast<Future*>(f_)->value_;
    }
  };
  Awaiter operator co_await() noexcept { return Awaiter{*this}; }

 private:
  std::optional<T> value_;
};

template <>
class Future<void> : public detail::FutureBase {
 public:
  Future() noexcept = default;
  ~Future() = default;

  void set_result() {
    throw_if_done("Future::set_result on a done future");
    settle_ok();
  }
  void result() { check_result(); }

  class [[nodiscard]] Awaiter : public AwaiterBase {
   public:
    using AwaiterBase::AwaiterBase;
    void await_resume() const { check(); }
  };
  Awaiter operator co_await() noexcept { return Awaiter{*this}; }
};

}  // namespace brisk
