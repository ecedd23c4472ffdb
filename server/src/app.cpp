#include <brisk/config/error.hpp>
#include <brisk/handlers/demo.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/server/app.hpp>
#include <brisk/server/date_cache.hpp>

#include "open_files.hpp"
#include "plugin_library.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace brisk::server {
namespace {

ParserLimits limits_from(const config::LimitsConfig& limits) {
  ParserLimits p;
  p.max_header_bytes = limits.max_header_bytes;
  p.max_uri_bytes = limits.max_uri_bytes;
  p.max_body_bytes = limits.max_body_bytes;
  return p;
}

// health.path and metrics.path are the configuration's: a path another
// route already has (a demo route, each other) is its mistake.
void add_configured_route(Router& router, std::string_view key, const std::string& path, Handler handler) {
  try {
    router.get(path, std::move(handler));
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(std::string(key) + " = \"" + path + "\": " + e.what(), std::string(key));
  }
}

}  // namespace

App::App(const config::Config& cfg, LogFile* access_log, const std::function<void(Router&)>& add_routes)
    : config(cfg), access_log_(access_log), parser_limits_(limits_from(cfg.limits)) {
  if (config.server.demo) {
    handlers::add_demo_routes(router_);
  }
  if (add_routes) {
    add_routes(router_);
  }
  add_configured_route(router_, "health.path", config.health.path, [this](Request&) -> Task<Response> {
    if (draining.load(std::memory_order_relaxed)) {
      co_return Response::text(503, "draining\n").with_header("Retry-After", "1");
    }
    co_return Response::text("ok\n");
  });
  if (config.metrics.enabled) {
    add_configured_route(router_, "metrics.path", config.metrics.path, [this](Request&) -> Task<Response> {
      Response r = Response::text(metrics_->render());
      r.headers().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      co_return r;
    });
  }
  // Last, so that a plugin taking a path brisk already serves is refused by
  // the router with the plugin's name on the message.
  for (const auto& spec : config.plugins.load) {
    const std::size_t before = router_.routes();
    plugins_.emplace_back(spec, router_);
    log(LogLevel::info, "plugin " + spec.name + ": loaded " + spec.path + ", " +
                            std::to_string(router_.routes() - before) + " route(s)");
  }
  for (std::size_t n = 0; n < config.routes.limit.size(); ++n) {
    const auto& limit = config.routes.limit[n];
    if (!router_.limit(limit.path, {limit.concurrency, limit.wait_ms})) {
      std::string known;
      for (std::size_t i = 0; i < router_.routes(); ++i) {
        known.append(known.empty() ? "" : ", ").append(router_.route(i).pattern);
      }
      const std::string key = "routes.limit[" + std::to_string(n) + "].path";
      throw config::ConfigError(key + " = \"" + limit.path + "\": expected the pattern of a route (" + known + ")",
                                key);
    }
  }
  router_.freeze();
  // The parser turns away at the head a Content-Length no route would take;
  // the connection then applies the matched route's own limit (body_limit()).
  for (std::size_t i = 0; i < router_.routes(); ++i) {
    if (const auto& route_limit = router_.route(i).options.max_body_bytes) {
      parser_limits_.max_body_bytes = std::max(parser_limits_.max_body_bytes, *route_limit);
    }
  }

  std::vector<Metrics::RouteLabel> labels;
  for (std::size_t i = 0; i < router_.routes(); ++i) {
    const Route& r = router_.route(i);
    labels.push_back({std::string(to_string(r.method)), r.pattern});
    slots_.push_back(r.limit ? std::make_unique<SharedSemaphore>(r.limit->concurrency) : nullptr);
  }
  metrics_ = std::make_unique<Metrics>(std::move(labels));
  metrics_->add_gauge("brisk_to_thread_queue_depth", "Blocking jobs waiting for a to_thread worker.", "",
                      [] { return static_cast<double>(ThreadPool::default_pool().queue_depth()); });
  metrics_->add_gauge("brisk_to_thread_running", "Blocking jobs running on to_thread workers.", "",
                      [] { return static_cast<double>(ThreadPool::default_pool().running()); });
}

// Here, where PluginLibrary is complete; members go in reverse order, the
// router before the plugins whose code it holds.
App::~App() = default;

std::uint64_t App::body_limit(const Route* route) const noexcept {
  if (route != nullptr && route->options.max_body_bytes) {
    return *route->options.max_body_bytes;
  }
  return config.limits.max_body_bytes;
}

ResponseContext App::response_context(bool keep_alive) const noexcept {
  ResponseContext context;
  context.date = DateCache::now();
  context.server = config.server.server_name;
  context.keep_alive = keep_alive;
  return context;
}

}  // namespace brisk::server
