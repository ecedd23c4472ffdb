#pragma once
// gather() and gather_settled() (asyncio.gather, with and without
// return_exceptions=True).
//
//   auto [a, b] = co_await gather(fetch(1), fetch(2));      // tuple
//   std::vector<int> all = co_await gather(std::move(tasks));
//   auto outcomes = co_await gather_settled(std::move(tasks)); // Outcome<T> each
//
// Every task runs concurrently as a child task. gather(): the first failure
// cancels the others, waits for them, and is rethrown (asyncio leaves them
// running; here they may reference the caller's frame). gather_settled()
// lets every task finish and returns each value or exception, in order.
// Cancelling the gathering task cancels all children and waits for them.
// void results are std::monostate.

#include <brisk/runtime/detail/children.hpp>
#include <brisk/runtime/outcome.hpp>

#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace brisk {

namespace detail {

template <typename T>
using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <typename T>
Task<void> store_into(Task<T> task, std::optional<Stored<T>>& slot) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    slot.emplace();
  } else {
    slot.emplace(co_await std::move(task));
  }
}

}  // namespace detail

template <typename T>
Task<std::vector<detail::Stored<T>>> gather(std::vector<Task<T>> tasks) {
  std::vector<std::optional<detail::Stored<T>>> slots(tasks.size());
  std::exception_ptr first_error;
  detail::Children children;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(detail::store_into(std::move(tasks[i]), slots[i]), [&first_error](std::exception_ptr e) {
      if (e && !first_error) {
        first_error = e;
      }
    });
  }
  co_await children.wait_until([&first_error] { return first_error != nullptr; });
  if (first_error) {
    std::rethrow_exception(first_error);
  }
  std::vector<detail::Stored<T>> out;
  out.reserve(slots.size());
  for (auto& s : slots) {
    out.push_back(std::move(*s));
  }
  co_return out;
}

template <typename... Ts>
Task<std::tuple<detail::Stored<Ts>...>> gather(Task<Ts>... tasks) {
  std::tuple<std::optional<detail::Stored<Ts>>...> slots;
  std::exception_ptr first_error;
  detail::Children children;
  auto on_end = [&first_error](std::exception_ptr e) {
    if (e && !first_error) {
      first_error = e;
    }
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (children.start(detail::store_into(std::move(tasks), std::get<I>(slots)), on_end), ...);
  }(std::index_sequence_for<Ts...>{});
  co_await children.wait_until([&first_error] { return first_error != nullptr; });
  if (first_error) {
    std::rethrow_exception(first_error);
  }
  co_return std::apply([](auto&... s) { return std::tuple<detail::Stored<Ts>...>{std::move(*s)...}; }, slots);
}

template <typename T>
Task<std::vector<Outcome<T>>> gather_settled(std::vector<Task<T>> tasks) {
  std::vector<std::optional<detail::Stored<T>>> slots(tasks.size());
  std::vector<std::exception_ptr> errors(tasks.size());
  detail::Children children;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(detail::store_into(std::move(tasks[i]), slots[i]),
                   [&errors, i](std::exception_ptr e) { errors[i] = e; });
  }
  co_await children.wait_until([] { return false; });
  std::vector<Outcome<T>> out;
  out.reserve(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    out.push_back(errors[i] ? Outcome<T>::failure(errors[i]) : Outcome<T>::success(std::move(*slots[i])));
  }
  co_return out;
}

}  // namespace brisk
