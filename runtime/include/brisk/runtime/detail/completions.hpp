#pragma once
// Completions: the tasks of a set in the order they finish, for wait() and
// as_completed(), which watch many tasks from one coroutine without a task
// (or a cancellation) per watched task.
//
// Each watch is a Joiner linked into its task's list of joiners; a task that
// finishes notes its index here and sets progress(). Watching changes
// nothing in the tasks: they run on, and are never cancelled from here.
//
// Lifetimes: a Completions lives in the watching coroutine's frame; its
// destructor unlinks every watch of a task still running, so it may go (a
// generator destroyed half-way, a wait cancelled) while they run on.

#include <brisk/runtime/event.hpp>
#include <brisk/runtime/task_state.hpp>

#include <cstddef>
#include <deque>
#include <vector>

namespace brisk::detail {

class Completions {
 public:
  explicit Completions(std::size_t count) { order_.reserve(count); }
  Completions(const Completions&) = delete;
  Completions& operator=(const Completions&) = delete;

  // Watches `task` as number watched(); one already done counts at once.
  void watch(TaskState& task) {
    watches_.emplace_back(*this, task, watches_.size());
    if (task.done()) {
      watches_.back().notify();
    } else {
      task.add_joiner(watches_.back());
    }
  }

  std::size_t watched() const noexcept { return watches_.size(); }
  // Indexes of the finished tasks, in the order they finished.
  const std::vector<std::size_t>& order() const noexcept { return order_; }
  // How many of them failed (CancelledError is not a failure).
  std::size_t failed() const noexcept { return failed_; }
  // Set whenever a task finishes; the watcher clears it before it waits.
  Event& progress() noexcept { return progress_; }

 private:
  class Watch final : public Joiner {
   public:
    Watch(Completions& owner, TaskState& task, std::size_t index) noexcept
        : owner_(&owner), task_(&task), index_(index) {}
    ~Watch() { task_->remove_joiner(*this); }
    void notify() noexcept override { owner_->finished(index_, task_->peek_error() != nullptr); }

   private:
    Completions* owner_;
    TaskState* task_;
    std::size_t index_;
  };

  void finished(std::size_t index, bool failed) noexcept {
    order_.push_back(index);  // reserved: never reallocates
    failed_ += failed ? 1 : 0;
    progress_.set();
  }

  // A deque: watches never move once linked.
  std::deque<Watch> watches_;
  std::vector<std::size_t> order_;
  std::size_t failed_ = 0;
  Event progress_;
};

}  // namespace brisk::detail
