#pragma once
// when_any() (asyncio.wait(..., return_when=FIRST_COMPLETED), narrowed to
// what is usually wanted): runs the tasks concurrently, returns the index and
// value of the first to finish, cancels the others and waits for them. If the
// first to finish failed, its exception is rethrown.

#include <brisk/runtime/detail/children.hpp>
#include <brisk/runtime/gather.hpp>

#include <optional>
#include <utility>
#include <vector>

namespace brisk {

template <typename T>
Task<std::pair<std::size_t, detail::Stored<T>>> when_any(std::vector<Task<T>> tasks) {
  if (tasks.empty()) {
    throw InvalidStateError("when_any of no tasks");
  }
  std::vector<std::optional<detail::Stored<T>>> slots(tasks.size());
  std::optional<std::size_t> winner;
  std::exception_ptr winner_error;
  detail::Children children;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    children.start(detail::store_into(std::move(tasks[i]), slots[i]),
                   [&winner, &winner_error, i](std::exception_ptr e) {
                     if (!winner) {
                       winner = i;
                       winner_error = e;
                     }
                   });
  }
  co_await children.wait_until([&winner] { return winner.has_value(); });
  if (winner_error) {
    std::rethrow_exception(winner_error);
  }
  co_return std::pair<std::size_t, detail::Stored<T>>{*winner, std::move(*slots[*winner])};
}

}  // namespace brisk
