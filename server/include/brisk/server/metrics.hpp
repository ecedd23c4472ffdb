#pragma once
// Metrics: the counters behind /metrics, in Prometheus text format.
//
// Each worker writes only its own WorkerMetrics (relaxed atomics, no sharing
// on the request path); render() sums the workers when /metrics is scraped.
// Routes are numbered when the router is built, so counting a request is an
// array index, not a map lookup.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace brisk::server {

// Adds to a worker's counter. Each WorkerMetrics has one writer, its
// worker's thread: a relaxed load and store, where a fetch_add would be a
// locked instruction on every request.
template <typename T, typename U>
void bump(std::atomic<T>& counter, U by) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + static_cast<T>(by), std::memory_order_relaxed);
}

class WorkerMetrics {
 public:
  // Upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 12> latency_bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                         0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  explicit WorkerMetrics(std::size_t routes);

  // route: the route's index, or routes() for requests that matched none.
  void count_request(std::size_t route, int status, std::chrono::nanoseconds took) noexcept;

  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> loop_lag_us{0};
  // Requests waiting for a slot under a route's concurrency limit.
  std::atomic<std::int64_t> limit_waiters{0};
  std::atomic<std::uint64_t> limit_rejected{0};

 private:
  friend class Metrics;
  using StatusCounts = std::array<std::atomic<std::uint64_t>, 5>;  // 1xx..5xx
  std::vector<StatusCounts> requests_;                             // [route]
  std::array<std::atomic<std::uint64_t>, latency_bounds.size() + 1> latency_buckets_{};
  std::atomic<std::uint64_t> latency_sum_ns_{0};
};

// The whole process's metrics: one WorkerMetrics per worker, plus gauges read
// from elsewhere (thread pool, semaphores) at scrape time.
class Metrics {
 public:
  struct RouteLabel {
    std::string method;   // "GET"
    std::string pattern;  // "/users/{id}"
  };
  // One label per route, in the router's order.
  explicit Metrics(std::vector<RouteLabel> routes);

  WorkerMetrics& add_worker();
  // A gauge computed when scraped. `labels` is empty or `key="value",...`;
  // add the members of one family one after another.
  void add_gauge(std::string family, std::string help, std::string labels, std::function<double()> read);
  // The same for a counter kept elsewhere (a log's write errors).
  void add_counter(std::string family, std::string help, std::string labels, std::function<double()> read);

  std::string render() const;

 private:
  std::vector<RouteLabel> routes_;
  std::vector<std::unique_ptr<WorkerMetrics>> workers_;
  // A value read when scraped: a gauge, or a counter kept elsewhere.
  struct Scraped {
    std::string family;
    std::string help;
    const char* type;
    std::string labels;
    std::function<double()> read;
  };
  std::vector<Scraped> scraped_;
};

}  // namespace brisk::server
