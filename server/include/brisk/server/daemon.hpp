#pragma once
// run_daemon(): the brisk daemon behind main(). Opens the logs, builds the
// application (built-in handlers, plugins), starts one Worker per configured
// worker on its own thread, and runs the control loop on the calling thread:
//   SIGTERM   graceful drain: for timeouts.drain_delay_ms everything is
//             served, but health.path answers 503 and responses close their
//             connections, so a load balancer takes brisk out of rotation;
//             then stop accepting and let requests in flight finish for up
//             to timeouts.shutdown_ms
//   SIGINT    the same drain without the delay
//             (a second SIGTERM or SIGINT cancels what is left at once)
//   SIGHUP    reopen the log files
//   SIGUSR1   every worker writes its task dump to the error log
// Returns the process exit status: 0 after a drain that finished every
// request; drain_cancelled_status after one that had to cancel requests in
// flight (at shutdown_ms, or on a second signal); 2 for a mistake of the
// configuration found only at start (a log file that cannot be opened, a
// plugin that cannot be loaded or refuses its settings, a route limit on a
// path no route has, health.path or metrics.path taken by another route),
// like any other configuration mistake; 1 when it cannot start for another
// reason.
//
// check_daemon(): `brisk --check-config`. Builds the same application (so
// plugins are loaded and their setup runs) but listens on nothing, then
// prints the effective configuration (config::describe) on stdout. Log
// files are checked, not opened: none is created. Returns the status
// run_daemon() would have at start, 0, 2 or 1, with the reason on stderr.

#include <brisk/config/config.hpp>

namespace brisk::server {

inline constexpr int drain_cancelled_status = 3;

int run_daemon(const config::Config& config);
int check_daemon(const config::Config& config);

}  // namespace brisk::server
