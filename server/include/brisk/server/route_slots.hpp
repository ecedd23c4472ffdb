#pragma once
// RouteSlots: a route's concurrency limit ([[routes.limit]]), counted for the
// whole process.
//
// The runtime's Semaphore belongs to one loop, and a limit of 2 on a daemon
// with 4 workers means 2, not 2 per worker, so the count is one atomic that
// every worker takes from. Taking a slot is a compare-and-swap. A request that
// finds none waits up to the route's wait_ms, looking again at short,
// growing intervals (1 ms up to 8 ms): a slot freed on another worker's
// thread has no way to wake it sooner, and the wait is bounded anyway.

#include <atomic>
#include <cstddef>

namespace brisk::server {

class RouteSlots {
 public:
  explicit RouteSlots(std::size_t limit) noexcept : limit_(limit) {}
  RouteSlots(const RouteSlots&) = delete;
  RouteSlots& operator=(const RouteSlots&) = delete;

  bool try_take() noexcept {
    std::size_t n = used_.load(std::memory_order_relaxed);
    while (n < limit_) {
      if (used_.compare_exchange_weak(n, n + 1, std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  void give_back() noexcept { used_.fetch_sub(1, std::memory_order_release); }

  std::size_t limit() const noexcept { return limit_; }
  std::size_t in_use() const noexcept { return used_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace brisk::server
