#include <brisk/config/describe.hpp>
#include <brisk/config/loader.hpp>

#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace std::chrono_literals;
using brisk::config::Config;

namespace {

std::string read(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Config{} holds the documented defaults", "[defaults]") {
  const Config c;
  CHECK(c.server.listen.host == "0.0.0.0");
  CHECK(c.server.listen.port == 8080);
  CHECK_FALSE(c.server.workers.has_value());
  CHECK(c.server.backlog == 1024);
  CHECK(c.server.demo);
  CHECK(c.server.server_name == "brisk");
  CHECK(c.limits.max_header_bytes == 16384);
  CHECK(c.limits.max_body_bytes == 1048576);
  CHECK(c.limits.max_uri_bytes == 8192);
  CHECK(c.limits.max_connections == 10000);
  CHECK(c.limits.max_pipeline == 64);
  CHECK(c.limits.write_high_water == 1048576);
  CHECK(c.timeouts.header_ms == 10000ms);
  CHECK(c.timeouts.idle_ms == 75000ms);
  CHECK(c.timeouts.handler_ms == 30000ms);
  CHECK(c.timeouts.drain_delay_ms == 7000ms);
  CHECK(c.timeouts.shutdown_ms == 10000ms);
  CHECK(c.timeouts.write_ms == 30000ms);
  CHECK(c.threads.blocking == 8);
  CHECK(c.threads.blocking_queue == 1024);
  CHECK(c.log.level == brisk::LogLevel::info);
  CHECK(c.log.access);
  CHECK(c.log.access_format == brisk::config::AccessFormat::combined);
  CHECK(c.log.access_path.empty());
  CHECK(c.log.error_path.empty());
  CHECK(c.routes.limit.empty());
  CHECK(c.metrics.enabled);
  CHECK(c.metrics.path == "/metrics");
  CHECK(c.health.path == "/healthz");
  CHECK(c.plugins.load.empty());
  CHECK_NOTHROW(brisk::config::validate(c));
}

TEST_CASE("the shipped brisk.toml loads to exactly the defaults", "[defaults]") {
  brisk::config::Loader loader;
  loader.load_file(BRISK_DEFAULT_CONFIG);
  REQUIRE(loader.finish() == Config{});
}

TEST_CASE("the shipped brisk.toml spells out every key, each under a comment", "[defaults]") {
  // describe() writes every key there is; each must be set in brisk.toml,
  // not left to the built-in default.
  const auto every_key = toml::parse(brisk::config::describe(Config{}), std::string_view{"describe"});
  const auto shipped = toml::parse_file(BRISK_DEFAULT_CONFIG);
  std::size_t keys = 0;
  for (const auto& [section, table] : every_key) {
    REQUIRE(table.is_table());
    for (const auto& [key, value] : *table.as_table()) {
      INFO(section.str() << "." << key.str());
      const auto* written = shipped[section.str()][key.str()].node();
      REQUIRE(written != nullptr);
      CHECK(written->type() == value.type());
      ++keys;
    }
  }
  CHECK(keys == 30);

  std::istringstream lines(read(BRISK_DEFAULT_CONFIG));
  std::string line;
  std::string previous;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] != '#' && line[0] != '[') {
      INFO(line);
      CHECK(previous.starts_with("#"));
    }
    previous = line;
  }
}

TEST_CASE("worker_count resolves auto to the usable CPUs and keeps a count", "[defaults]") {
  brisk::config::ServerConfig server;
  const unsigned automatic = brisk::config::worker_count(server);
  CHECK(automatic >= 1);
  CHECK(automatic <= 1024);
  server.workers = 3;
  CHECK(brisk::config::worker_count(server) == 3);
}

TEST_CASE("an endpoint prints as it is written in server.listen", "[defaults]") {
  CHECK(brisk::config::to_string(brisk::config::Endpoint{}) == "0.0.0.0:8080");
  CHECK(brisk::config::to_string(brisk::config::Endpoint{"::1", 443}) == "[::1]:443");
  CHECK(brisk::config::Endpoint{"::", 80}.is_ipv6());
  CHECK_FALSE(brisk::config::Endpoint{}.is_ipv6());
}
