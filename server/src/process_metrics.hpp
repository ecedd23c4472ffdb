#pragma once
// ProcessMetrics: the process_* gauges every Prometheus client library
// exports (CPU seconds, resident memory, open and maximum descriptors, start
// time), and brisk_build_info, which says what is running: the version and
// the plugin SDK build (brisk/version.hpp).
//
// process_open_fds is the one that costs: the count reads /proc/self/fd, one
// entry per connection (13 ms at 10,000 connections), a stall no worker may
// take while answering a scrape. So it is counted by count_open_fds(), which
// the daemon's control loop calls every few seconds, and a scrape reads the
// last count.

#include <brisk/server/metrics.hpp>

#include <atomic>

namespace brisk::server {

class ProcessMetrics {
 public:
  // Registers the gauges in `metrics`, which must not outlive this object.
  explicit ProcessMetrics(Metrics& metrics);

  void count_open_fds() noexcept;

 private:
  std::atomic<double> open_fds_{0};
  double start_time_;  // seconds since the epoch
};

}  // namespace brisk::server
