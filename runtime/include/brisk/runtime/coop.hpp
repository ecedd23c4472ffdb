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
// On the fast path this costs a decrement and a test per await.

#include <coroutine>

namespace brisk::coop {

// Operations per resumption: Tokio's figure. A piece of a streamed response
// costs one or two, so a stream yields at least every 64 pieces.
inline constexpr int budget = 128;

// Spends one unit of the running task's budget: true while some was left.
// Outside a loop there is nothing to be fair to, and it is always true.
[[nodiscard]] bool spend() noexcept;

// Resumes `h` as part of the running task on the loop's next turn, behind
// the tasks already ready: how an await whose budget is spent yields.
void requeue(std::coroutine_handle<> h);

}  // namespace brisk::coop
