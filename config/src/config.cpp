#include <brisk/config/config.hpp>

#include <sched.h>

#include <algorithm>
#include <thread>

namespace brisk::config {

std::string to_string(const Endpoint& endpoint) {
  const std::string port = std::to_string(endpoint.port);
  return endpoint.is_ipv6() ? "[" + endpoint.host + "]:" + port : endpoint.host + ":" + port;
}

std::string_view to_string(AccessFormat format) noexcept {
  return format == AccessFormat::json ? "json" : "combined";
}

unsigned worker_count(const ServerConfig& server) {
  if (server.workers) {
    return *server.workers;
  }
  unsigned cpus = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    cpus = static_cast<unsigned>(CPU_COUNT(&set));
  }
  if (cpus == 0) {
    cpus = std::thread::hardware_concurrency();
  }
  return std::clamp(cpus, 1U, 1024U);
}

}  // namespace brisk::config
