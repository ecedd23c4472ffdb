#pragma once
// wait(): asyncio.wait, the done and the pending tasks of a set, with
// nothing cancelled.
//
//   auto [done, pending] = co_await brisk::wait(handles, 500ms, ReturnWhen::first_completed);
//   for (auto& h : done) { use(co_await h); }   // finished: returns at once
//   // the pending ones run on: await them later, cancel them, or drop them
//
// It returns when `return_when` is met — first_completed: one task has
// finished; first_exception: one has failed (CancelledError is not a
// failure), or all have finished; all_completed: all have — or when the
// timeout (if given) passes, whichever comes first. Reaching the timeout is
// not an error (asyncio.wait raises nothing either): the sets say what
// finished. Both sets keep the order of `tasks`.
//
// Unlike when_any() and gather(), wait() never cancels the tasks, not even
// when the waiting task is cancelled: it then raises CancelledError and the
// tasks run on, as asyncio's do. It takes spawned tasks (asyncio.wait takes
// tasks and futures, and no longer coroutines), so that a pending task has a
// handle to be awaited or cancelled later. An empty set is InvalidStateError
// (asyncio raises ValueError).
//
// Lifetimes: the tasks' frames live as long as their handles; wait() holds
// its copies only while it waits, and its watches of the tasks (detail/
// completions.hpp) go with its frame.

#include <brisk/runtime/detail/completions.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/timer.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace brisk {

enum class ReturnWhen { first_completed, first_exception, all_completed };

template <typename T>
struct WaitResult {
  std::vector<JoinHandle<T>> done;
  std::vector<JoinHandle<T>> pending;
};

namespace detail {

inline bool wait_met(const Completions& c, ReturnWhen when) noexcept {
  const std::size_t finished = c.order().size();
  switch (when) {
    case ReturnWhen::first_completed:
      return finished > 0;
    case ReturnWhen::first_exception:
      return c.failed() > 0 || finished == c.watched();
    case ReturnWhen::all_completed:
      break;
  }
  return finished == c.watched();
}

inline Task<void> until_met(Completions* c, ReturnWhen when) {
  while (!wait_met(*c, when)) {
    c->progress().clear();
    co_await c->progress().wait();
  }
}

template <typename T>
Task<WaitResult<T>> wait_for_set(std::vector<JoinHandle<T>> tasks, std::optional<Duration> timeout, ReturnWhen when) {
  if (tasks.empty()) {
    throw InvalidStateError("wait of no task");
  }
  Completions completions{tasks.size()};
  for (auto& t : tasks) {
    completions.watch(t.state());
  }
  if (!timeout) {
    co_await until_met(&completions, when);
  } else if (timeout->count() > 0 && !wait_met(completions, when)) {
    try {
      co_await wait_for(*timeout, until_met(&completions, when));
    } catch (const TimeoutError&) {
      // The sets below say what finished in time.
    }
  }
  WaitResult<T> out;
  for (auto& t : tasks) {
    (t.done() ? out.done : out.pending).push_back(std::move(t));
  }
  co_return out;
}

}  // namespace detail

template <typename T>
[[nodiscard]] Task<WaitResult<T>> wait(std::vector<JoinHandle<T>> tasks,
                                       ReturnWhen return_when = ReturnWhen::all_completed) {
  return detail::wait_for_set(std::move(tasks), std::nullopt, return_when);
}

// With a timeout: returns when it passes at the latest, nothing raised.
template <typename T, typename Rep, typename Period>
[[nodiscard]] Task<WaitResult<T>> wait(std::vector<JoinHandle<T>> tasks, std::chrono::duration<Rep, Period> timeout,
                                       ReturnWhen return_when = ReturnWhen::all_completed) {
  return detail::wait_for_set(std::move(tasks), std::chrono::ceil<Duration>(timeout), return_when);
}

}  // namespace brisk
