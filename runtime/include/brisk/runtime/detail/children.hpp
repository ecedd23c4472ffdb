#pragma once
// Children: the structured core of gather(), gather_settled(), when_any() and
// race(). The parent (the combinator's coroutine) starts each task as a child
// task of its own, waits as its policy says, cancels the children still
// running, and never returns — not with a value, not with an exception, not
// cancelled — before every child has finished.
//
// Why never: a child's Task may reference the caller's frame (arguments
// taken by reference, locals captured by a lambda), and the Children object,
// the result slots and the parent's frame are referenced by the children's
// wrappers. That is also why the first failure cancels the siblings and waits
// for them, where asyncio.gather leaves them running.
//
// Ownership: the Children object and the slots live in the parent's frame;
// each child's wrapper coroutine holds plain pointers to them, valid because
// the parent outlives every child (above). The JoinHandles, kept here, hold the
// children's frames until the parent is done with them.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/outcome.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>

#include <cstddef>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace brisk::detail {

template <typename T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// Where a child leaves its outcome for the parent. It stays empty when the
// child was cancelled before its first step (its coroutine never ran).
template <typename T>
using Slot = std::optional<Outcome<T>>;

template <typename T>
Outcome<T> collect(Slot<T>& slot) {
  if (!slot) {
    return Outcome<T>::failure(std::make_exception_ptr(CancelledError{}));
  }
  return std::move(*slot);
}

// The value of an outcome, void as std::monostate; its exception rethrown.
template <typename T>
Stored<T> unwrap(Outcome<T> outcome) {
  if constexpr (std::is_void_v<T>) {
    outcome.value();
    return {};
  } else {
    return std::move(outcome).value();
  }
}

class Children {
 public:
  // When the parent stops waiting and cancels the children still running.
  enum class Until { all_ended, first_failure, first_end };
  static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

  // The children are named "<parent>:<label>[i]"; `count` is how many will be
  // started (their handles are reserved now, so that start() cannot lose one).
  Children(const char* label, Until until, std::size_t count)
      : prefix_(current_task()->name() + ":" + label + "["), until_(until) {
    handles_.reserve(count);
  }
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  // Starts `work` as child number size(); its outcome goes to `slot`. A
  // failure to start (out of memory) is kept for join() to rethrow, once it
  // has cancelled and waited for the children already running.
  template <typename T>
  void start(Task<T> work, Slot<T>& slot) noexcept {
    if (start_error_) {
      return;
    }
    try {
      std::string name = prefix_ + std::to_string(handles_.size()) + "]";
      // From here on, whatever fails, the Report says the child ended.
      ++running_;
      Report report{*this, handles_.size()};
      handles_.push_back(spawn(settle(std::move(work), &slot, std::move(report)), std::move(name)));
    } catch (...) {
      start_error_ = std::current_exception();
      stop_.set();
    }
  }

  // Waits until the policy is met (or every child has ended), then cancels
  // the children still running and waits until they have finished, without
  // being cancellable: they may still touch the caller's frame. If the parent
  // is cancelled meanwhile, it does the same and rethrows the cancellation.
  [[nodiscard]] Task<void> join() {
    std::exception_ptr cancelled;
    if (running_ > 0 && !stop_.is_set()) {
      try {
        co_await stop_.wait();
      } catch (const CancelledError&) {
        cancelled = std::current_exception();
      }
    }
    for (auto& h : handles_) {
      h.cancel();
    }
    for (auto& h : handles_) {
      co_await h.finished();
    }
    if (cancelled) {
      std::rethrow_exception(cancelled);
    }
    if (start_error_) {
      std::rethrow_exception(start_error_);
    }
  }

  // After join(): the index of the first child to end, and of the first to
  // fail (none if none did).
  std::size_t first_end() const noexcept { return first_end_; }
  std::size_t first_failure() const noexcept { return first_failure_; }

  // After join(): rethrows the first failure, if there was one.
  void rethrow_first_failure() const {
    if (first_failure_ == none) {
      return;
    }
    if (failure_) {
      std::rethrow_exception(failure_);
    }
    throw CancelledError{};  // the failed child was cancelled before its first step
  }

 private:
  // Tells the parent that a child ended. It travels into the child's wrapper
  // frame as a parameter, so that its destructor covers the one path on which
  // the wrapper never runs: a child cancelled before its first step, whose
  // frame is destroyed unstarted.
  class Report {
   public:
    Report(Children& c, std::size_t index) noexcept : c_(&c), index_(index) {}
    Report(Report&& o) noexcept : c_(std::exchange(o.c_, nullptr)), index_(o.index_) {}
    Report& operator=(Report&&) = delete;
    ~Report() { ended(false, nullptr); }

    void ended(bool ok, const std::exception_ptr& error) noexcept {
      if (c_ != nullptr) {
        std::exchange(c_, nullptr)->ended(index_, ok, error);
      }
    }

   private:
    Children* c_;
    std::size_t index_;
  };

  template <typename T>
  static Task<void> settle(Task<T> work, Slot<T>* slot, Report report) {
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(work);
        slot->emplace(Outcome<T>::success({}));
      } else {
        slot->emplace(Outcome<T>::success(co_await std::move(work)));
      }
    } catch (...) {
      slot->emplace(Outcome<T>::failure(std::current_exception()));
    }
    report.ended((*slot)->ok(), (*slot)->error());
  }

  void ended(std::size_t index, bool ok, const std::exception_ptr& error) noexcept {
    --running_;
    if (first_end_ == none) {
      first_end_ = index;
    }
    if (!ok && first_failure_ == none) {
      first_failure_ = index;
      failure_ = error;
    }
    if (running_ == 0 || until_ == Until::first_end || (until_ == Until::first_failure && !ok)) {
      stop_.set();
    }
  }

  std::string prefix_;
  std::vector<JoinHandle<void>> handles_;
  std::size_t running_ = 0;
  std::size_t first_end_ = none;
  std::size_t first_failure_ = none;
  std::exception_ptr failure_;
  std::exception_ptr start_error_;
  Until until_;
  Event stop_;
};

}  // namespace brisk::detail
