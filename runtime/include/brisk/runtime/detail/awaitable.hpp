#pragma once
// Any awaitable as a Task, so that the combinators built on Task<T> (gather,
// gather_settled, when_any, race) also take spawned tasks (JoinHandle<T>),
// futures and whatever else co_await accepts: asyncio.gather(task1, task2).
//
// as_task(aw) returns a Task that awaits `aw`. An rvalue Task passes through
// unchanged. Any other rvalue is moved into the new Task's frame; an lvalue
// is awaited where it is, by reference, so it must outlive the Task — which
// holds for the combinators: their caller's frame outlives every child (see
// detail/children.hpp). Either way it is awaited as an lvalue, so a
// JoinHandle's result is copied, never moved out of the task: every handle to
// it can still read it. What an awaitable returns by reference (a Future's
// value) is copied into the Task's result.

#include <brisk/runtime/task.hpp>

#include <type_traits>
#include <utility>
#include <vector>

namespace brisk::detail {

template <typename A>
decltype(auto) awaiter_of(A&& aw) {
  if constexpr (requires { std::forward<A>(aw).operator co_await(); }) {
    return std::forward<A>(aw).operator co_await();
  } else {
    return std::forward<A>(aw);
  }
}

template <typename A>
concept awaitable = requires(A& aw) { awaiter_of(aw).await_resume(); };

// What `co_await aw` gives for an lvalue `aw` of type A, as a value.
template <typename A>
using await_value_t = std::remove_cvref_t<decltype(awaiter_of(std::declval<A&>()).await_resume())>;

template <typename A>
inline constexpr bool is_task_v = false;
template <typename T>
inline constexpr bool is_task_v<Task<T>> = true;

// A is `X&` for an lvalue (awaited in place) or `X` for an rvalue (moved in).
template <typename A>
Task<await_value_t<A>> await_in_task(A aw) {
  if constexpr (std::is_void_v<await_value_t<A>>) {
    co_await aw;
  } else {
    co_return co_await aw;
  }
}

template <typename A>
auto as_task(A&& aw) {
  if constexpr (is_task_v<A>) {
    return std::move(aw);
  } else {
    return await_in_task<A>(std::forward<A>(aw));
  }
}

// Every element moved into a Task of its own.
template <typename A>
std::vector<Task<await_value_t<A>>> as_tasks(std::vector<A> aws) {
  std::vector<Task<await_value_t<A>>> tasks;
  tasks.reserve(aws.size());
  for (auto& aw : aws) {
    tasks.push_back(await_in_task<A>(std::move(aw)));
  }
  return tasks;
}

// An lvalue, or an rvalue that can be moved into a frame (most awaiters, a
// sleep() say, cannot: they are awaited where they were made).
template <typename A>
concept awaitable_argument = awaitable<std::remove_reference_t<A>> &&
                             (std::is_lvalue_reference_v<A> || std::is_move_constructible_v<A>);

// Arguments for the combinators' overloads that take any awaitable: at least
// one, none of them Tasks only (those have overloads of their own).
template <typename... As>
concept awaitables_not_all_tasks = sizeof...(As) > 0 && (awaitable_argument<As> && ...) && !(is_task_v<As> && ...);

}  // namespace brisk::detail
