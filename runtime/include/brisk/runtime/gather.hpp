#pragma once
// gather() and gather_settled(): asyncio.gather, without and with
// return_exceptions=True.
//
//   auto [user, posts] = co_await gather(fetch_user(id), fetch_posts(id));  // std::tuple
//   std::vector<int> sizes = co_await gather(std::move(tasks));             // in the tasks' order
//   auto outcomes = co_await gather_settled(std::move(tasks));              // Outcome<T> each
//   auto [a, b] = co_await gather(handle_a, handle_b);                       // spawned tasks
//
// Besides Tasks, each takes any awaitable, alone or mixed with Tasks: spawned
// tasks (JoinHandle<T>, as asyncio.gather(task1, task2)), futures, a vector
// of either. Each runs in a child task that awaits it (detail/awaitable.hpp:
// an lvalue is awaited in place, a JoinHandle's result is copied). A child
// cancelled (by a sibling's failure or the caller's cancellation) stops
// awaiting, and cancels the spawned task it awaited, as awaiting a
// JoinHandle does.
//
// Every task runs concurrently as a child task of its own, named
// "<gathering task>:gather[i]". A void result is std::monostate.
//
// gather(): the first child to fail (CancelledError included, as in asyncio)
// makes gather cancel the others, wait until they have finished, and rethrow
// that first exception. This departs from asyncio on purpose: asyncio.gather
// returns at once and leaves the others running, but here a child may
// reference the caller's frame, so gather never returns before every child
// has finished (see detail/children.hpp).
//
// gather_settled(): every child runs to its end; each one's value or
// exception comes back in order.
//
// Both: cancelling the gathering task cancels every child, waits until they
// have finished, and rethrows CancelledError.
//
// Lifetimes: each Task is moved into its child task; the gathering coroutine
// outlives every child, so a child may reference whatever the caller's frame
// keeps alive while it awaits gather.

#include <brisk/runtime/detail/awaitable.hpp>
#include <brisk/runtime/detail/children.hpp>
#include <brisk/runtime/outcome.hpp>
#include <brisk/runtime/task.hpp>

#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

namespace brisk {

template <typename T>
[[nodiscard]] Task<std::vector<detail::Stored<T>>> gather(std::vector<Task<T>> tasks) {
  std::vector<detail::Slot<T>> slots(tasks.size());
  detail::Children children{"gather", detail::Children::Until::first_failure, tasks.size()};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(std::move(tasks[i]), slots[i]);
  }
  co_await children.join();
  children.rethrow_first_failure();
  std::vector<detail::Stored<T>> values;
  values.reserve(slots.size());
  for (auto& slot : slots) {
    values.push_back(detail::unwrap(detail::collect(slot)));
  }
  co_return values;
}

template <typename... Ts>
[[nodiscard]] Task<std::tuple<detail::Stored<Ts>...>> gather(Task<Ts>... tasks) {
  std::tuple<detail::Slot<Ts>...> slots;
  detail::Children children{"gather", detail::Children::Until::first_failure, sizeof...(Ts)};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (children.start(std::move(tasks), std::get<I>(slots)), ...);
  }(std::index_sequence_for<Ts...>{});
  co_await children.join();
  children.rethrow_first_failure();
  co_return std::apply(
      [](auto&... slot) { return std::tuple<detail::Stored<Ts>...>{detail::unwrap(detail::collect(slot))...}; },
      slots);
}

template <typename T>
[[nodiscard]] Task<std::vector<Outcome<T>>> gather_settled(std::vector<Task<T>> tasks) {
  std::vector<detail::Slot<T>> slots(tasks.size());
  detail::Children children{"gather", detail::Children::Until::all_ended, tasks.size()};
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(std::move(tasks[i]), slots[i]);
  }
  co_await children.join();
  std::vector<Outcome<T>> outcomes;
  outcomes.reserve(slots.size());
  for (auto& slot : slots) {
    outcomes.push_back(detail::collect(slot));
  }
  co_return outcomes;
}

template <typename... Ts>
[[nodiscard]] Task<std::tuple<Outcome<Ts>...>> gather_settled(Task<Ts>... tasks) {
  std::tuple<detail::Slot<Ts>...> slots;
  detail::Children children{"gather", detail::Children::Until::all_ended, sizeof...(Ts)};
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (children.start(std::move(tasks), std::get<I>(slots)), ...);
  }(std::index_sequence_for<Ts...>{});
  co_await children.join();
  co_return std::apply([](auto&... slot) { return std::tuple<Outcome<Ts>...>{detail::collect(slot)...}; }, slots);
}

template <typename A>
  requires(!detail::is_task_v<A> && detail::awaitable<A>)
[[nodiscard]] auto gather(std::vector<A> aws) {
  return gather(detail::as_tasks(std::move(aws)));
}

template <typename... As>
  requires detail::awaitables_not_all_tasks<As...>
[[nodiscard]] auto gather(As&&... aws) {
  return gather(detail::as_task(std::forward<As>(aws))...);
}

template <typename A>
  requires(!detail::is_task_v<A> && detail::awaitable<A>)
[[nodiscard]] auto gather_settled(std::vector<A> aws) {
  return gather_settled(detail::as_tasks(std::move(aws)));
}

template <typename... As>
  requires detail::awaitables_not_all_tasks<As...>
[[nodiscard]] auto gather_settled(As&&... aws) {
  return gather_settled(detail::as_task(std::forward<As>(aws))...);
}

}  // namespace brisk
