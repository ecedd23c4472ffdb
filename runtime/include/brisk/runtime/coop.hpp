#pragma once
// The cooperative budget, as Tokio's: no task holds the loop for long by
// awaiting things that complete at once.
//
// A task that writes to a socket the kernel keeps accepting, takes permits
// nobody contends for or pulls items from a full queue never suspends, so
// without a budget it would run until it is done while every other task on
// the loop, and every new connection, waits. Each resumption of a task from
// the loop grants it `budget` operations; each await that could complete at
// once spends one (Suspension::proceed). With the budget spent, the next
// such await suspends anyway and puts the task at the back of the ready
// queue, so the others and the loop's I/O get their turn first. The budget
// is refilled at every resumption from the loop, never only once, so a task
// that does go back to the loop always starts afresh.
//
// On the fast path this costs a decrement and a test per await, and a store
// per resumption: 2-7% on the runtime's switch benchmarks (bench/README.md).

#include <coroutine>

namespace brisk::coop {

// Operations per resumption: Tokio's figure. A piece of a streamed response
// costs one or two, so a stream yields at least every 64 pieces.
inline constexpr int budget = 128;

namespace detail {
// What is left of the running task's budget on this thread: Loop sets it
// at each resumption. On a thread no loop has resumed a task on yet, it is
// so large that it never runs out: there is nobody to yield to.
extern __thread int left;  // __thread: constant-initialised, so no TLS init call per access
inline constexpr int outside_task = 1 << 30;
}  // namespace detail

// Spends one unit of the running task's budget: true while some was left.
// Inline and a thread_local, not a call: it sits on every await's fast path.
[[nodiscard]] inline bool spend() noexcept { return --detail::left >= 0; }

// Resumes `h` as part of the running task on the loop's next turn, behind
// the tasks already ready: how an await whose budget is spent yields.
void requeue(std::coroutine_handle<> h);

}  // namespace brisk::coop
