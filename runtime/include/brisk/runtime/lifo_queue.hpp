#pragma once
// LifoQueue<T> (asyncio.LifoQueue): a Queue (queue.hpp) whose get() returns
// the item put last, a stack.
//
//   LifoQueue<int> undo;
//   undo.try_put(1);
//   undo.try_put(2);
//   int last = co_await undo.get();    // 2
//
// Everything else — bounded puts, FIFO waiters, nothing lost to a
// cancellation, close(), task_done()/join(), lifetimes — is Queue's, the
// same BasicQueue machinery. Only the items are in the other order: the
// tasks waiting to get or put are still served first come, first served.

#include <brisk/runtime/queue.hpp>

namespace brisk {

template <typename T>
using LifoQueue = BasicQueue<T, detail::SequenceItems<T, true>>;

}  // namespace brisk
