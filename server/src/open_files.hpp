#pragma once
// How many connections the process's open-file limit lets the daemon hold.
//
// Every connection is a descriptor. A login shell's soft limit is often 1024
// while its hard limit allows far more, and past the soft limit libuv accepts
// new connections and closes them at once, silently. So the daemon raises its
// soft limit to the hard limit, as Go's runtime does, and where even that is
// too low for max_connections it serves fewer connections and refuses the
// rest with the usual 503, saying so at start.

#include <cstddef>

namespace brisk::server {

// Descriptors the daemon holds besides its connections: per worker its loop,
// listener and wakeups (six, measured) and the connections it is refusing,
// then the logs and room for the files handlers open in the thread pool.
std::size_t descriptors_besides_connections(unsigned workers, std::size_t blocking_threads);

// Raises the soft RLIMIT_NOFILE to the hard limit when it is below what
// `max_connections` connections and `others` descriptors need. Returns how
// many connections fit: `max_connections`, or fewer (but at least
// `at_least`, one per worker) under a hard limit that is too low. Logs a
// raise at info level and a shortfall as a warning that names the key.
std::size_t connections_within_open_file_limit(std::size_t max_connections, std::size_t others,
                                               std::size_t at_least);

// The soft limit, for /metrics as Prometheus's process_max_fds. (Not
// process_open_fds: counting /proc/self/fd takes 13 ms at 10,000
// connections, a stall of the worker that answers the scrape.)
double open_file_limit();

}  // namespace brisk::server
