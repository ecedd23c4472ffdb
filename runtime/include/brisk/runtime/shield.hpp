#pragma once
// shield(): asyncio.shield, work that a cancellation of its awaiter does not
// cancel.
//
//   auto saved = brisk::spawn(save(order));       // keep a handle to await later
//   try {
//     co_await brisk::shield(saved);               // as: await asyncio.shield(task)
//   } catch (const brisk::CancelledError&) {
//     ...                                          // the save goes on regardless
//   }
//   co_await brisk::shield(flush(log));            // a Task: spawned, then shielded
//
// The shielded work runs as a task of its own (shield(Task) spawns it;
// shield(JoinHandle) shields a task already running). Awaiting the shield
// returns its result or rethrows its exception, as awaiting the handle does.
// If the awaiting task is cancelled, the await raises CancelledError at once
// and the shielded task runs on, untouched. If the shielded task itself is
// cancelled (through a handle), the await raises CancelledError too.
//
// Lifetimes: the Shielded object holds a reference to the task (a
// JoinHandle), so the task's frame lives while it does; dropping it detaches
// the task, which the loop keeps running to its end (an exception it raises
// and nobody retrieves is then logged, as every task's is). Since the
// shielded work outlives a cancelled awaiter, it must not reference the
// awaiter's frame: give it its arguments by value. The result of
// `co_await shield(task())` is moved out of the task, which nobody else can
// reach; that of shield(handle) is copied, so the handle kept to await the
// task later can still read it (unless T cannot be copied: then it is moved,
// as awaiting a JoinHandle rvalue does).

#include <brisk/runtime/site.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace brisk {

template <typename T>
class [[nodiscard]] Shielded {
 public:
  // `sole`: no other handle reaches the task, so its result may be moved.
  Shielded(JoinHandle<T> task, bool sole) noexcept : task_(std::move(task)), sole_(sole) {}

  // The shielded task, to await again, cancel or inspect.
  const JoinHandle<T>& handle() const noexcept { return task_; }

  template <bool Move>
  class [[nodiscard]] Awaiter : public detail::JoinWaiter {
   public:
    Awaiter(JoinHandle<T>& task, bool sole) noexcept : JoinWaiter(task.state(), true), task_(&task), sole_(sole) {}
    // Stops waiting; unlike JoinHandle's await, leaves the task running.
    void abort() noexcept override {
      target_->remove_joiner(*this);
      wake_cancelled();
    }
    T await_resume() {
      raise_if_cancelled();
      if constexpr (!std::is_void_v<T> && !std::is_copy_constructible_v<T>) {
        return std::move(*task_).result();
      } else {
        if (Move && sole_) {
          return std::move(*task_).result();
        }
        return task_->result();
      }
    }

   private:
    JoinHandle<T>* task_;
    bool sole_;
  };
  Awaiter<false> operator co_await() & noexcept { return Awaiter<false>{task_, sole_}; }
  Awaiter<true> operator co_await() && noexcept { return Awaiter<true>{task_, sole_}; }

 private:
  JoinHandle<T> task_;
  bool sole_;
};

template <typename T>
Shielded<T> shield(JoinHandle<T> task) noexcept {
  return Shielded<T>{std::move(task), false};
}

// Spawns `work` on this thread's loop and shields it.
template <typename T>
Shielded<T> shield(Task<T> work, std::string name = {}, Site where = {}) {
  return Shielded<T>{spawn(std::move(work), std::move(name), where), true};
}

}  // namespace brisk
