#pragma once
// as_completed(): asyncio.as_completed, spawned tasks in the order they
// finish.
//
//   auto finished = brisk::as_completed(std::move(handles));
//   while (auto h = co_await finished.next()) {   // asyncio: async for t in as_completed(...)
//     use(co_await *h);                           // done: returns at once, or rethrows
//   }
//
// A Generator (generator.hpp) of the tasks' handles: each next() waits until
// one more task has finished and returns its handle (as Python 3.13's async
// iteration yields the original tasks), so a failure is met when that
// handle is awaited, not raised by next(). Tasks already finished come
// first, in the order given. Nothing is cancelled: stopping early (dropping
// the generator) leaves the tasks not yet yielded running; cancelling the
// consuming task raises CancelledError out of next() and leaves them running
// too. For a deadline, put the consumer's awaits under a timeout().
//
// Lifetimes: the generator holds copies of the handles (the tasks' frames
// live while it does) and its watches of the tasks (detail/completions.hpp),
// which its destructor unlinks.

#include <brisk/runtime/detail/completions.hpp>
#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/spawn.hpp>

#include <cstddef>
#include <vector>

namespace brisk {

template <typename T>
[[nodiscard]] Generator<JoinHandle<T>> as_completed(std::vector<JoinHandle<T>> tasks) {
  detail::Completions completions{tasks.size()};
  for (auto& t : tasks) {
    completions.watch(t.state());
  }
  for (std::size_t yielded = 0; yielded < tasks.size(); ++yielded) {
    while (completions.order().size() <= yielded) {
      completions.progress().clear();
      co_await completions.progress().wait();
    }
    co_yield tasks[completions.order()[yielded]];
  }
}

}  // namespace brisk
