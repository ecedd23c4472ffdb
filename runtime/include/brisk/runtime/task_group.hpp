#pragma once
// TaskGroup: asyncio.TaskGroup, structured concurrency.
//
//   TaskGroup group;                         // asyncio: async with TaskGroup() as group:
//   co_await group.run([](TaskGroup& g) -> Task<void> {
//     g.spawn(fetch(1));                     // the body
//     co_await announce();                   // cancelled if a child fails meanwhile
//   }(group));                               // then the exit: waits for every child
//
//   TaskGroup group;                         // or, without a body to cancel:
//   auto a = group.spawn(fetch(1), "fetch-1");
//   auto b = group.spawn(fetch(2));
//   co_await group.wait();                   // the exit of the `async with` block
//   use(a.result(), b.result());
//
// C++ has no `async with`: run(body) is the whole block (the body awaited in
// the owner's task, then wait()); wait() alone is its exit. Only a body
// given to run() can be cancelled by a failing child: with wait() alone, what
// the owner awaits between spawn() and wait() is not (a destructor could not
// wait for the children, so an exception must not leave the block early).
//
// wait() returns once every child has finished. When a child fails (with
// anything but CancelledError), the group cancels its other children at once
// — whether or not anyone is in wait() yet — and, if the owner is in run()'s
// body, cancels the body's pending await, as asyncio cancels the body of the
// `async with`. run() withdraws that cancellation of its own (a cancellation
// from elsewhere still propagates, as asyncio's uncancel() rule has it).
// After every child has finished, wait() (and run()) raises ExceptionGroup
// with every child's error in the order they failed — the first one, and
// those of siblings that failed while being cancelled — and the body's own
// error, if it threw one. Each error is then retrieved, so none is logged as
// lost. A child that ends with CancelledError is not a failure.
//
// If the owner is cancelled (in wait(), or from elsewhere in run()), the
// group cancels its children, waits until they have finished, and rethrows
// CancelledError — even if a child failed too (those errors are then logged
// by the runtime, as every unretrieved task error is): an outer cancellation
// is never swallowed.
//
// spawn() into a group that has failed, whose wait() was cancelled, or whose
// wait() has returned throws InvalidStateError. Children may spawn siblings
// while the group is open, during wait() included, as in asyncio.
//
// wait() (or run()) must be awaited, once, before the group goes: a
// destructor cannot wait. A group destroyed with children still running cancels them, detaches
// them (they finish on their own, referencing nothing of the group) and logs
// an error.
//
// How a child's end reaches the group: each child runs its task inside a
// small wrapper coroutine (watch) in the child's own task, which reports to
// the group when the task's body ends — so the group needs no watcher task
// and no hook in the runtime core. The wrapper owns the child's membership
// record (linked into the group) through a unique_ptr: a child cancelled
// before its first step never runs the wrapper, and destroying its unstarted
// frame ends the membership just the same.
//
// Lifetimes: the group is usually a local of the owner's frame and must
// outlive its wait(). Children may reference that frame: wait() returns —
// cancelled or not — only once every child has finished, waiting out the
// children it cancelled uncancellably. A child references the group only
// while it is a member: its membership ends when its body does, or when the
// group's destructor detaches it. Single loop, like everything in the runtime.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/site.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace brisk {

class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  ~TaskGroup();

  // Starts `task` as a child of the group (as brisk::spawn does) and returns
  // its handle, which may be awaited or dropped.
  template <typename T>
  JoinHandle<T> spawn(Task<T> task, std::string name = {}, Site where = {}) {
    check_open();
    auto owned = std::make_unique<Member>(*this);
    Member& member = *owned;
    auto handle = brisk::spawn(watch(std::move(task), std::move(owned)), std::move(name), where);
    enroll(member, handle.state());
    return handle;
  }

  // Waits for every child; see the header comment for failures and
  // cancellation. Throws InvalidStateError if awaited a second time.
  [[nodiscard]] Task<void> wait();

  // Awaits `body` in this task, then wait()s: the whole `async with` block.
  // A child's failure cancels the body's pending await.
  [[nodiscard]] Task<void> run(Task<void> body);

  // Children that have not finished yet.
  std::size_t size() const noexcept { return members_.size(); }

 private:
  class Member : public detail::ListHook {
   public:
    explicit Member(TaskGroup& group) noexcept : group_(&group) {}
    ~Member() { leave(nullptr); }
    Member(const Member&) = delete;
    Member& operator=(const Member&) = delete;

    // The child's body has ended; `error` is its failure, if it failed with
    // anything but CancelledError. Only the first call does anything.
    void leave(const std::exception_ptr& error) noexcept;
    void detach() noexcept { group_ = nullptr; }
    TaskState* task() const noexcept { return task_; }
    void set_task(TaskState& t) noexcept { task_ = &t; }

   private:
    TaskGroup* group_;
    TaskState* task_ = nullptr;
  };

  template <typename T>
  static Task<T> watch(Task<T> work, std::unique_ptr<Member> member) {
    struct Leave {
      Member& member;
      std::exception_ptr error;
      ~Leave() { member.leave(error); }
    } leave{*member, nullptr};
    try {
      co_return co_await std::move(work);
    } catch (const CancelledError&) {
      throw;
    } catch (...) {
      leave.error = std::current_exception();
      throw;
    }
  }

  void check_open() const;
  void enroll(Member& member, TaskState& child) noexcept;
  void child_failed(TaskState& child, const std::exception_ptr& error) noexcept;
  void abort() noexcept;
  // wait(), with the owner's cancellation (if any) already caught.
  Task<void> finish(std::exception_ptr cancelled);

  detail::IntrusiveList<Member> members_;
  // The children that failed, referenced until their errors are delivered
  // (or, if never, released so that the runtime logs them), and the errors
  // in the order they came, the body's included.
  std::vector<TaskState*> failed_;
  std::vector<std::exception_ptr> errors_;
  // The task in run()'s body, which a child's failure cancels.
  TaskState* body_owner_ = nullptr;
  bool owner_cancel_requested_ = false;
  Event idle_;
  bool waiting_ = false;
  bool aborting_ = false;
  bool closed_ = false;
};

}  // namespace brisk
