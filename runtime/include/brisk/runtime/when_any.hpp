#pragma once
// when_any() and race(): asyncio.wait(return_when=FIRST_COMPLETED), narrowed
// to what is nearly always wanted next — the first result, the rest cancelled.
//
//   auto [index, reply] = co_await when_any(std::move(replicas));  // std::pair
//   auto first = co_await race(read_reply(), sleep_then_ping());      // std::variant
//   if (first.index() == 0) { ... std::get<0>(first) ... }
//
// The tasks run concurrently as child tasks of their own, named
// "<awaiting task>:when_any[i]" (or race[i]). The first to end wins: the
// others are cancelled and waited for (they may reference the caller's frame,
// see detail/children.hpp), then its value is returned — or, if it failed,
// its exception is rethrown. Unlike asyncio.wait, which hands back the sets
// of done and pending tasks and leaves the pending ones running, nothing
// outlives the call. A void result is std::monostate. when_any() of no task
// throws InvalidStateError (asyncio.wait raises ValueError).
//
// Cancelling the awaiting task cancels every child, waits for them, and
// rethrows CancelledError.
//
// Both also take spawned tasks (JoinHandle<T>), futures and any other
// awaitable, as gather() does (gather.hpp): the loser's child stops awaiting,
// and a spawned task it awaited is cancelled with it. To keep the losers
// running, and learn which are done, use wait() (wait.hpp).

#include <brisk/runtime/detail/awaitable.hpp>
#include <brisk/runtime/detail/children.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/task.hpp>

#include <cstddef>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace brisk {

namespace detail {

template <typename T>
Task<std::pair<std::size_t, Stored<T>>> first_of(const char* label, std::vector<Task<T>> tasks) {
  if (tasks.empty()) {
    throw InvalidStateError("when_any of no task");
  }
  std::vector<Slot<T>> slots(tasks.size());
  Children children{label, Children::Until::first_end, tasks.size()};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(std::move(tasks[i]), slots[i]);
  }
  co_await children.join();
  std::size_t winner = children.first_end();
  co_return std::pair<std::size_t, Stored<T>>{winner, unwrap(collect(slots[winner]))};
}

// Task<T> as the I-th alternative of the variant V, so that race() can run
// its tasks of different types through first_of().
template <std::size_t I, typename V, typename T>
Task<V> as_alternative(Task<T> task) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    co_return V{std::in_place_index<I>};
  } else {
    co_return V{std::in_place_index<I>, co_await std::move(task)};
  }
}

}  // namespace detail

template <typename T>
[[nodiscard]] Task<std::pair<std::size_t, detail::Stored<T>>> when_any(std::vector<Task<T>> tasks) {
  return detail::first_of("when_any", std::move(tasks));
}

// The alternative that holds the value tells which task won.
template <typename T0, typename... Ts>
[[nodiscard]] Task<std::variant<detail::Stored<T0>, detail::Stored<Ts>...>> race(Task<T0> first, Task<Ts>... rest) {
  using V = std::variant<detail::Stored<T0>, detail::Stored<Ts>...>;
  std::vector<Task<V>> tasks;
  tasks.reserve(1 + sizeof...(Ts));
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    tasks.push_back(detail::as_alternative<0, V>(std::move(first)));
    (tasks.push_back(detail::as_alternative<I + 1, V>(std::move(rest))), ...);
  }(std::index_sequence_for<Ts...>{});
  auto won = co_await detail::first_of("race", std::move(tasks));
  co_return std::move(won.second);
}

template <typename A>
  requires(!detail::is_task_v<A> && detail::awaitable<A>)
[[nodiscard]] auto when_any(std::vector<A> aws) {
  return when_any(detail::as_tasks(std::move(aws)));
}

template <typename... As>
  requires detail::awaitables_not_all_tasks<As...>
[[nodiscard]] auto race(As&&... aws) {
  return race(detail::as_task(std::forward<As>(aws))...);
}

}  // namespace brisk
