#pragma once
// App: what every worker serves, built once from the configuration and then
// shared read-only by the worker threads: the router (demo handlers, health,
// metrics, plugins, route limits), the parser limits, the logs, and the flag
// that says the daemon is draining.

#include <brisk/config/config.hpp>
#include <brisk/runtime/shared_semaphore.hpp>
#include <brisk/server/log_file.hpp>
#include <brisk/server/metrics.hpp>
#include <brisk/server/parser.hpp>
#include <brisk/server/response.hpp>
#include <brisk/server/router.hpp>

#include <atomic>
#include <functional>
#include <memory>

namespace brisk::server {

class PluginLibrary;

class App {
 public:
  // `add_routes` registers the application's own routes (tests, embedders);
  // the demo handlers come from config.server.demo, then the plugins of
  // [[plugins.load]] add theirs. Throws config::ConfigError for a mistake
  // of the configuration found only here (a [[routes.limit]] that names no
  // route, health.path or metrics.path taken by another route, a plugin
  // that cannot be loaded or refuses a setting), std::runtime_error for a
  // plugin whose setup fails otherwise (plugin.hpp).
  App(const config::Config& config, LogFile* access_log, const std::function<void(Router&)>& add_routes = {});
  ~App();

  const config::Config config;
  // Set by the daemon on SIGTERM: health answers 503, responses close.
  std::atomic<bool> draining{false};

  const Router& router() const noexcept { return router_; }
  Metrics& metrics() const noexcept { return *metrics_; }
  LogFile* access_log() const noexcept { return access_log_; }
  // Its max_body_bytes is the largest any route accepts: the precise limit
  // of a request is body_limit() of the route it matched.
  const ParserLimits& parser_limits() const noexcept { return parser_limits_; }
  // A request body's limit: the route's max_body_bytes, else [limits]
  // max_body_bytes (also for a request that matched no route).
  std::uint64_t body_limit(const Route* route) const noexcept;
  // What every response of this server carries: this second's Date (the
  // calling thread's DateCache) and the configured Server name.
  ResponseContext response_context(bool keep_alive) const noexcept;
  // The slots of a route with a ConcurrencyLimit, shared by every worker:
  // a limit of 2 on a daemon with 4 workers means 2, not 2 per worker.
  SharedSemaphore& slots(std::size_t route) const noexcept { return *slots_[route]; }

 private:
  std::vector<PluginLibrary> plugins_;  // before router_: its routes run their code
  Router router_;
  std::unique_ptr<Metrics> metrics_;
  LogFile* access_log_;
  ParserLimits parser_limits_;
  std::vector<std::unique_ptr<SharedSemaphore>> slots_;  // [route]; null without a limit
};

}  // namespace brisk::server
