#pragma once
// Children: the structured core of gather() and when_any(). The owner starts
// child tasks, waits for them as it chooses, and never returns — not by value,
// not by exception, not by its own cancellation — before every child has
// finished, because children may reference the owner's frame. That is also
// why a failure cancels the siblings (and waits for them) instead of leaving
// them running, as asyncio.gather would.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace brisk::detail {

class Children {
 public:
  Children() = default;
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  // Starts `child`; when it ends, `on_end(error)` runs in it (error is null on
  // success) before the owner is told.
  void start(Task<void> child, std::function<void(std::exception_ptr)> on_end) {
    std::string name = current_task()->name() + ":child[" + std::to_string(handles_.size()) + "]";
    ++running_;
    handles_.push_back(spawn(run(std::move(child), std::move(on_end)), std::move(name)));
  }

  std::size_t running() const noexcept { return running_; }

  // Waits until `stop()` says enough (re-checked whenever a child ends) or
  // none is left; then cancels the rest and waits for them. A cancellation of
  // the owner does the same and is rethrown.
  template <typename Stop>
  Task<void> wait_until(Stop stop) {
    std::exception_ptr cancelled;
    try {
      while (running_ > 0 && !stop()) {
        changed_.clear();
        co_await changed_.wait();
      }
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
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
  }

 private:
  Task<void> run(Task<void> child, std::function<void(std::exception_ptr)> on_end) {
    std::exception_ptr error;
    try {
      co_await std::move(child);
    } catch (...) {
      error = std::current_exception();
    }
    on_end(error);
    --running_;
    changed_.set();
  }

  std::vector<JoinHandle<void>> handles_;
  std::size_t running_ = 0;
  Event changed_;
};

}  // namespace brisk::detail
