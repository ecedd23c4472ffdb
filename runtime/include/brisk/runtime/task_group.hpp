#pragma once
// TaskGroup (asyncio.TaskGroup): structured concurrency.
//
//   TaskGroup group;
//   auto a = group.spawn(fetch(1));
//   auto b = group.spawn(fetch(2));
//   co_await group.wait();        // asyncio's `async with` exit
//
// When a child fails (with anything but CancelledError), its siblings are
// cancelled at once, and wait() — after every child has finished — rethrows
// that first error. asyncio raises an ExceptionGroup of all of them; C++ has
// no such thing, so the others are logged instead. If the task in wait() is
// cancelled, the children are cancelled, waited for, and CancelledError goes
// on. spawn() after a failure or after wait() returned throws
// InvalidStateError.
//
// wait() must be awaited: a destructor cannot wait, so a group destroyed with
// children still running cancels them and logs an error.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace brisk {

class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup() {
    if (running_ > 0) {
      log(LogLevel::error, "TaskGroup destroyed with " + std::to_string(running_) +
                               " child task(s) running: cancelling them (await wait() first)");
      cancel_children();
    }
    for (TaskState* c : children_) {
      c->take_error();  // rethrown by wait() or logged by child_failed()
      c->release();
    }
  }

  template <typename T>
  JoinHandle<T> spawn(Task<T> task, std::string name = {}, Site where = {}) {
    if (closed_ || first_error_) {
      throw InvalidStateError("TaskGroup::spawn after the group failed or finished");
    }
    auto handle = brisk::spawn(watch(std::move(task), Running{this}), std::move(name), where);
    handle.state().add_ref();
    children_.push_back(&handle.state());
    return handle;
  }

  Task<void> wait() {
    std::exception_ptr cancelled;
    try {
      while (running_ > 0) {
        changed_.clear();
        co_await changed_.wait();
      }
    } catch (const CancelledError&) {
      cancelled = std::current_exception();
      cancel_children();
    }
    while (running_ > 0) {
      changed_.clear();
      co_await changed_.wait_shielded();
    }
    closed_ = true;
    if (cancelled) {
      std::rethrow_exception(cancelled);
    }
    if (first_error_) {
      std::rethrow_exception(first_error_);
    }
  }

 private:
  // Counts a child as running from its creation until its body ends — or,
  // for a child cancelled before it ever started, until its frame is
  // destroyed unstarted.
  class Running {
   public:
    explicit Running(TaskGroup* g) noexcept : g_(g) { ++g_->running_; }
    Running(Running&& o) noexcept : g_(std::exchange(o.g_, nullptr)) {}
    Running& operator=(Running&&) = delete;
    ~Running() { finish(); }
    void finish() noexcept {
      if (g_ != nullptr) {
        --g_->running_;
        std::exchange(g_, nullptr)->changed_.set();
      }
    }

   private:
    TaskGroup* g_;
  };

  void cancel_children() noexcept {
    for (TaskState* c : children_) {
      c->cancel();
    }
  }

  void child_failed(std::exception_ptr e) {
    if (!first_error_) {
      first_error_ = e;
      cancel_children();
    } else {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log(LogLevel::error, std::string("TaskGroup: another child failed too: ") + ex.what());
      } catch (...) {
        log(LogLevel::error, "TaskGroup: another child failed too");
      }
    }
  }

  // Runs a child and reports its end to the group; the child's own result
  // (value or exception) stays with its JoinHandle.
  template <typename T>
  Task<T> watch(Task<T> task, Running running) {
    struct EndOfBody {
      Running& r;
      ~EndOfBody() { r.finish(); }
    } end_of_body{running};
    try {
      co_return co_await std::move(task);
    } catch (const CancelledError&) {
      throw;
    } catch (...) {
      child_failed(std::current_exception());
      throw;
    }
  }

  std::vector<TaskState*> children_;
  std::size_t running_ = 0;
  std::exception_ptr first_error_;
  bool closed_ = false;
  Event changed_;
};

}  // namespace brisk
