#pragma once
// The daemon's whole configuration as one plain, copyable struct.
//
// Every member mirrors a TOML key of config/brisk.toml (`limits.max_body_bytes`
// is `Config::limits.max_body_bytes`) and its initializer is that key's default,
// so `Config{}` is exactly what the shipped brisk.toml describes. The struct
// holds no behaviour and no references: the daemon reads it once (loader.hpp,
// command_line.hpp) and hands copies of the parts each layer needs down to it.
// A Config built in code should pass through validate() (loader.hpp) before use.

#include <brisk/runtime/log.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brisk::config {

using std::chrono::milliseconds;

// A numeric IP address and port. `host` is an IPv4 literal or an IPv6 literal
// without brackets ("::1"); to_string() adds the brackets back.
struct Endpoint {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;

  bool is_ipv6() const noexcept { return host.find(':') != std::string::npos; }
  bool operator==(const Endpoint&) const = default;
};

// "0.0.0.0:8080", "[::1]:8080": the form server.listen is written in.
std::string to_string(const Endpoint& endpoint);

struct ServerConfig {
  Endpoint listen;
  // nullopt is "auto": one worker per core this process may run on (worker_count()).
  std::optional<unsigned> workers;
  int backlog = 1024;
  bool demo = true;
  // Edge-triggered reads (brisk/runtime/tcp.hpp), where the build has them.
  bool edge_triggered = true;
  // The Server response header; empty sends none.
  std::string server_name = "brisk";
  // The account the daemon becomes once its listeners are bound (names or
  // numeric ids); "" keeps the one it started as. group "" is user's group.
  std::string user;
  std::string group;

  bool operator==(const ServerConfig&) const = default;
};

struct LimitsConfig {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_uri_bytes = 8 * 1024;
  // Per process; the daemon splits it evenly across the workers.
  std::size_t max_connections = 10000;
  // Requests read ahead of their response on one connection.
  std::size_t max_pipeline = 64;
  // Bytes of queued output above which a connection stops reading.
  std::size_t write_high_water = 1024 * 1024;

  bool operator==(const LimitsConfig&) const = default;
};

struct TimeoutsConfig {
  milliseconds header_ms{10000};
  milliseconds idle_ms{75000};
  milliseconds handler_ms{30000};
  // On SIGTERM, how long /healthz answers 503 while everything else is still
  // served, before the listeners close: HAProxy's default checks (inter 2 s,
  // fall 3) take up to 6 s to take a server out.
  milliseconds drain_delay_ms{7000};
  milliseconds shutdown_ms{10000};
  milliseconds write_ms{30000};

  bool operator==(const TimeoutsConfig&) const = default;
};

struct ThreadsConfig {
  std::size_t blocking = 8;
  std::size_t blocking_queue = 1024;

  bool operator==(const ThreadsConfig&) const = default;
};

// How an access-log line is written: nginx's and Apache's "combined", or
// one JSON object per line.
enum class AccessFormat { combined, json };

// "combined", "json": the form log.access_format is written in.
std::string_view to_string(AccessFormat format) noexcept;

struct LogConfig {
  LogLevel level = LogLevel::info;
  bool access = true;
  AccessFormat access_format = AccessFormat::combined;
  // Empty: the access log goes to stdout and the error log to stderr.
  std::string access_path;
  std::string error_path;

  bool operator==(const LogConfig&) const = default;
};

// At most `concurrency` requests run in the route at once; one more waits up to
// wait_ms for a slot and is then answered 503 with Retry-After.
struct RouteLimit {
  std::string path;
  std::size_t concurrency = 1;
  milliseconds wait_ms{0};

  bool operator==(const RouteLimit&) const = default;
};

struct RoutesConfig {
  std::vector<RouteLimit> limit;

  bool operator==(const RoutesConfig&) const = default;
};

struct MetricsConfig {
  bool enabled = true;
  std::string path = "/metrics";

  bool operator==(const MetricsConfig&) const = default;
};

struct HealthConfig {
  std::string path = "/healthz";

  bool operator==(const HealthConfig&) const = default;
};

// One [[plugins.load]] entry. `settings` is the plugin's own [plugin.<name>]
// section converted to JSON (an empty object when the file has none); brisk
// never looks inside it.
struct PluginSpec {
  std::string path;
  std::string name;
  nlohmann::json settings = nlohmann::json::object();

  bool operator==(const PluginSpec&) const = default;
};

struct PluginsConfig {
  std::vector<PluginSpec> load;

  bool operator==(const PluginsConfig&) const = default;
};

struct Config {
  ServerConfig server;
  LimitsConfig limits;
  TimeoutsConfig timeouts;
  ThreadsConfig threads;
  LogConfig log;
  RoutesConfig routes;
  MetricsConfig metrics;
  HealthConfig health;
  PluginsConfig plugins;

  bool operator==(const Config&) const = default;
};

// server.workers resolved: the configured count, or for "auto" the number of
// CPUs this process may run on (its affinity mask, so a container pinned to 2
// CPUs gets 2), at least 1 and at most 1024.
unsigned worker_count(const ServerConfig& server);

}  // namespace brisk::config
