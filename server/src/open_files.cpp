#include "open_files.hpp"

#include <brisk/runtime/log.hpp>
#include <brisk/server/worker.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/resource.h>

namespace brisk::server {

std::size_t descriptors_besides_connections(unsigned workers, std::size_t blocking_threads) {
  return 64 + (8 + Worker::max_refusing) * std::size_t{workers} + blocking_threads;
}

std::size_t connections_within_open_file_limit(std::size_t max_connections, std::size_t others,
                                               std::size_t at_least) {
  const rlim_t wanted = max_connections + others;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) {
    return max_connections;
  }
  const rlim_t before = limit.rlim_cur;
  const rlimit raised{.rlim_cur = limit.rlim_max, .rlim_max = limit.rlim_max};
  const int error = setrlimit(RLIMIT_NOFILE, &raised) == 0 ? 0 : errno;
  if (error == 0) {
    limit.rlim_cur = limit.rlim_max;
  }
  const std::string needs = "limits.max_connections = " + std::to_string(max_connections) + " needs " +
                            std::to_string(wanted) + " open files";
  if (limit.rlim_cur >= wanted) {
    log(LogLevel::info, "raised the open-file limit from " + std::to_string(before) + " to " +
                            std::to_string(limit.rlim_cur) + " (" + needs + ")");
    return max_connections;
  }
  const std::string shortfall =
      error != 0 ? "the limit is " + std::to_string(before) + " and raising it to the hard limit, " +
                       std::to_string(limit.rlim_max) + ", failed (" + std::strerror(error) + ")"
                 : "the hard limit is " + std::to_string(limit.rlim_max) +
                       (before < limit.rlim_max ? " (the soft limit, " + std::to_string(before) + ", is raised to it)"
                                                : "");
  const std::size_t fit = std::min(
      max_connections, std::max<std::size_t>(at_least, limit.rlim_cur > others ? limit.rlim_cur - others : 0));
  log(LogLevel::warning, needs + ", but " + shortfall + ": serving at most " + std::to_string(fit) +
                             " connections, refusing more with 503; raise the hard limit (ulimit -Hn, " +
                             "LimitNOFILE=, docker --ulimit nofile=) or lower limits.max_connections");
  return fit;
}

double open_file_limit() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? static_cast<double>(limit.rlim_cur) : 0;
}

}  // namespace brisk::server
