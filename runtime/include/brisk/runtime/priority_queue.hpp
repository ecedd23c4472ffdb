#pragma once
// PriorityQueue<T> (asyncio.PriorityQueue): a Queue (queue.hpp) whose get()
// returns the smallest item first, by `Compare` (std::less: as asyncio,
// usually a pair of (priority, data), the lowest priority number first).
//
//   PriorityQueue<std::pair<int, std::string>> jobs;
//   co_await jobs.put({2, "later"});
//   co_await jobs.put({1, "first"});
//   auto [priority, job] = co_await jobs.get();     // {1, "first"}
//
// Everything else — bounded puts, FIFO waiters, nothing lost to a
// cancellation, close(), task_done()/join(), lifetimes — is Queue's, the
// same BasicQueue machinery. Items of equal priority come out in no
// particular order (a binary heap, as Python's heapq).

#include <brisk/runtime/queue.hpp>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace brisk {

namespace detail {

template <typename T, typename Compare>
class PriorityItems {
 public:
  void push(T value) {
    heap_.push_back(std::move(value));
    std::push_heap(heap_.begin(), heap_.end(), after());
  }
  T pop() {
    std::pop_heap(heap_.begin(), heap_.end(), after());
    T v = std::move(heap_.back());
    heap_.pop_back();
    return v;
  }
  std::size_t size() const noexcept { return heap_.size(); }
  bool empty() const noexcept { return heap_.empty(); }

 private:
  // The std heap functions keep the greatest item on top: order them by
  // "comes after" so that the smallest is.
  auto after() const {
    return [this](const T& a, const T& b) { return less_(b, a); };
  }

  std::vector<T> heap_;
  [[no_unique_address]] Compare less_;
};

}  // namespace detail

template <typename T, typename Compare = std::less<T>>
using PriorityQueue = BasicQueue<T, detail::PriorityItems<T, Compare>>;

}  // namespace brisk
