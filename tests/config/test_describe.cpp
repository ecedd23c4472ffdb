#include <brisk/config/describe.hpp>
#include <brisk/config/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using brisk::config::Config;

namespace {

Config reload(const std::string& text) {
  brisk::config::Loader loader;
  loader.load_toml(text, "describe");
  return loader.finish();
}

}  // namespace

TEST_CASE("describe writes every key in TOML that loads back to the defaults", "[describe]") {
  const std::string text = brisk::config::describe(Config{});
  CHECK(text.find("[server]\nlisten = \"0.0.0.0:8080\"\nworkers = \"auto\"\n") != std::string::npos);
  CHECK(text.find("max_body_bytes = 1048576\n") != std::string::npos);
  CHECK(text.find("level = \"info\"\n") != std::string::npos);
  CHECK(reload(text) == Config{});
}

TEST_CASE("describe round-trips a configuration with routes and plugin sections", "[describe]") {
  Config c;
  c.server.listen = {"::1", 9443};
  c.server.workers = 6;
  c.server.server_name = "say \"hi\"\\";
  c.limits.max_body_bytes = 0;
  c.timeouts.shutdown_ms = 0ms;
  c.log.level = brisk::LogLevel::error;
  c.log.error_path = "/var/log/brisk error.log";
  c.metrics.enabled = false;
  c.routes.limit = {{"/blocking", 4, 100ms}, {"/users/{id}", 2, 0ms}};
  c.plugins.load = {
      {"/usr/lib/libhello.so", "hello",
       nlohmann::json{{"greeting", "Hi\n"}, {"ratio", 0.25}, {"list", {1, 2, 3}}, {"deep", {{"on", true}}}}},
      {"plugins/libquiet.so", "quiet", nlohmann::json::object()},
  };
  REQUIRE_NOTHROW(brisk::config::validate(c));
  const std::string text = brisk::config::describe(c);
  INFO(text);
  CHECK(text.find("listen = \"[::1]:9443\"\n") != std::string::npos);
  CHECK(text.find("[[routes.limit]]\npath = \"/blocking\"\nconcurrency = 4\nwait_ms = 100\n") != std::string::npos);
  CHECK(reload(text) == c);
}
