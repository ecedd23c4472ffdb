#pragma once
// TaskState: one running task, what asyncio calls a Task (our Task<T> is the
// coroutine; spawn() turns one into a running task). It carries the task's
// name and spawn site, its cancellation state, and what it is suspended in.
//
// current_task() and all_tasks() answer as their asyncio namesakes do, for the
// loop of the calling thread.
//
// Cancellation follows asyncio: cancel() is delivered once, as CancelledError,
// at the task's current or next suspension point; cancelling() counts the
// requests not yet withdrawn by uncancel(), which is how wait_for() tells its
// own timeout from a cancellation that came from outside.

#include <brisk/runtime/detail/intrusive_list.hpp>

#include <coroutine>
#include <cstdint>
#include <exception>
#include <iosfwd>
#include <memory>
#include <brisk/runtime/site.hpp>
#include <string>
#include <vector>

namespace brisk {

class Loop;
class Suspension;

namespace detail {
// Told when a task finishes: a task awaiting it (JoinWaiter, spawn.hpp), or
// a watch over many tasks at once (detail/completions.hpp). It lives in its
// owner's frame and unlinks itself before it goes.
class Joiner : public ListHook {
 public:
  virtual void notify() noexcept = 0;

 protected:
  Joiner() = default;
  ~Joiner() = default;
};
}  // namespace detail

class TaskState : public detail::ListHook {
 public:
  TaskState(const TaskState&) = delete;
  TaskState& operator=(const TaskState&) = delete;

  // The name given to spawn(), or "Task-<id>" as asyncio names them.
  const std::string& name() const;
  // File and line of the spawn() call (the function is not kept: a task's
  // state stays small).
  Site spawned_at() const noexcept { return Site{file_, line_, ""}; }
  std::uint32_t id() const noexcept { return id_; }
  Loop& loop() const noexcept { return *loop_; }

  bool done() const noexcept { return done_; }
  // Finished by a CancelledError.
  bool cancelled() const noexcept { return done_ && cancelled_; }

  // Requests cancellation; false when the task has already finished.
  bool cancel() noexcept;
  int cancelling() const noexcept { return cancel_requests_; }
  int uncancel() noexcept;

  // What the task is parked in right now (nullptr while running or ready).
  const Suspension* suspended_in() const noexcept { return suspended_in_; }

  // --- for awaitables (see suspension.hpp) ---
  // Takes a pending cancellation: true means "raise CancelledError now".
  bool take_cancel() noexcept;
  void park(Suspension* s) noexcept { suspended_in_ = s; }
  void unpark() noexcept { suspended_in_ = nullptr; }

  // --- reference counting: the loop holds one reference while the task runs,
  // each JoinHandle one more; the last release frees the task's frame. ---
  void add_ref() noexcept { ++refs_; }
  void release() noexcept;

  // --- joining ---
  void add_joiner(detail::Joiner& w) noexcept;
  void remove_joiner(detail::Joiner& w) noexcept;
  // The task's exception, if it failed (not for cancellation); reading it
  // counts as retrieving it, so it is not logged as lost.
  std::exception_ptr take_error() noexcept;
  std::exception_ptr peek_error() const noexcept { return error_; }

 protected:
  TaskState();
  virtual ~TaskState();

  void identify(std::string name, Site where);

  // Called by the driver coroutine's promise.
  // Frees the coroutine frame this state lives in.
  virtual void destroy_frame() noexcept = 0;
  void set_error(std::exception_ptr e) noexcept;
  void finish() noexcept;

 private:
  Loop* loop_;
  // Built on first use: most tasks are never asked their name.
  mutable std::unique_ptr<std::string> name_;
  const char* file_ = "";
  Suspension* suspended_in_ = nullptr;
  std::exception_ptr error_;
  detail::IntrusiveList<detail::Joiner> joiners_;
  std::uint32_t id_;
  std::uint32_t line_ = 0;
  int cancel_requests_ = 0;
  std::uint32_t refs_ = 1;
  bool cancel_pending_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  bool error_retrieved_ = false;
};

// The task running on this thread's loop, or nullptr outside any task.
TaskState* current_task() noexcept;

// Every task on this thread's loop that has not finished.
std::vector<TaskState*> all_tasks();

// Writes one line per live task: id, name, spawn site, what it waits on.
void dump_tasks(std::ostream& out);

}  // namespace brisk
