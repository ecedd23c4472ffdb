#include "open_files.hpp"

#include <brisk/runtime/log.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <sys/resource.h>

namespace brisk::server {

std::size_t descriptors_besides_connections(unsigned workers, std::size_t blocking_threads) {
  return 64 + 8 * std::size_t{workers} + blocking_threads;
}

std::size_t connections_within_open_file_limit(std::size_t max_connections, std::size_t others,
                                               std::size_t at_least) {
  const rlim_t wanted = max_connections + others;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= wanted) {
    return max_connections;
  }
  const rlim_t before = limit.rlim_cur;
  const bool hard_allows = limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= wanted;
  // As high as the hard limit allows: more connections served, fewer refused.
  rlimit raised{.rlim_cur = hard_allows ? wanted : limit.rlim_max, .rlim_max = limit.rlim_max};
  const int error = setrlimit(RLIMIT_NOFILE, &raised) == 0 ? 0 : errno;
  if (error == 0) {
    limit.rlim_cur = raised.rlim_cur;
  }
  if (limit.rlim_cur >= wanted) {
    log(LogLevel::info, "raised the open-file limit from " + std::to_string(before) + " to " +
                            std::to_string(wanted) + " for limits.max_connections = " +
                            std::to_string(max_connections));
    return max_connections;
  }
  // Past fs.nr_open, for one: a hard limit of "unlimited" is not the kernel's.
  const std::string shortfall = hard_allows ? "the limit is " + std::to_string(limit.rlim_cur) +
                                                  " and raising it failed (" + std::strerror(error) + ")"
                                            : "the hard limit is " + std::to_string(limit.rlim_max);
  const std::size_t fit = std::min(
      max_connections, std::max<std::size_t>(at_least, limit.rlim_cur > others ? limit.rlim_cur - others : 0));
  log(LogLevel::warning, "limits.max_connections = " + std::to_string(max_connections) + " needs " +
                             std::to_string(wanted) + " open files, but " + shortfall + ": serving at most " +
                             std::to_string(fit) + " connections, refusing more with 503; raise the hard " +
                             "limit (ulimit -Hn, LimitNOFILE=, docker --ulimit nofile=) or lower " +
                             "limits.max_connections");
  return fit;
}

double open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
    return 0;
  }
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace brisk::server
