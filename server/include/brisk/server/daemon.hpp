#pragma once
// run_daemon(): the brisk daemon behind main(). Opens the logs, builds the
// application (built-in handlers, plugins), starts one Worker per configured
// worker on its own thread, and runs the control loop on the calling thread:
//   SIGTERM, SIGINT  graceful drain (a second one cuts the drain short)
//   SIGHUP           reopen the log files
//   SIGUSR1          every worker writes its task dump to the error log
// Returns the process exit status: 0 after a drain, 1 when it cannot start.

#include <brisk/config/config.hpp>

namespace brisk::server {

int run_daemon(const config::Config& config);

}  // namespace brisk::server
