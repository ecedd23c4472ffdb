// The BRISK_* environment layer. The environment is passed in, never read
// from (or written to) the test process.

#include <brisk/config/loader.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using brisk::config::Config;
using brisk::config::ConfigError;
using brisk::config::Environment;
using brisk::config::Loader;

namespace {

Config from_env(const Environment& env) {
  Loader loader;
  loader.load_environment(env);
  return loader.finish();
}

std::string error_of(const Environment& env) {
  try {
    from_env(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("environment_from keeps the BRISK_ entries of an envp array", "[env]") {
  const char* envp[] = {"PATH=/usr/bin", "BRISK_SERVER_LISTEN=127.0.0.1:1", "BRISK_LOG_ACCESS_PATH=a=b",
                        "BRISKLY=1", "BRISK_EMPTY=", nullptr};
  const Environment env = brisk::config::environment_from(envp);
  CHECK(env == Environment{{"BRISK_SERVER_LISTEN", "127.0.0.1:1"}, {"BRISK_LOG_ACCESS_PATH", "a=b"},
                           {"BRISK_EMPTY", ""}});
  CHECK(brisk::config::environment_from(nullptr).empty());
}

TEST_CASE("BRISK_<SECTION>_<KEY> sets each kind of key", "[env]") {
  const Config c = from_env({
      {"BRISK_SERVER_LISTEN", "[::1]:9090"},
      {"BRISK_SERVER_WORKERS", "3"},
      {"BRISK_SERVER_DEMO", "off"},
      {"BRISK_SERVER_SERVER_NAME", "edge"},
      {"BRISK_LIMITS_MAX_BODY_BYTES", "2048"},
      {"BRISK_TIMEOUTS_IDLE_MS", "90000"},
      {"BRISK_THREADS_BLOCKING", "16"},
      {"BRISK_LOG_LEVEL", "warning"},
      {"BRISK_LOG_ACCESS", "No"},
      {"BRISK_LOG_ACCESS_PATH", "/tmp/access.log"},
      {"BRISK_METRICS_ENABLED", "0"},
      {"BRISK_HEALTH_PATH", "/live"},
  });
  CHECK(c.server.listen == brisk::config::Endpoint{"::1", 9090});
  CHECK(c.server.workers == 3U);
  CHECK_FALSE(c.server.demo);
  CHECK(c.server.server_name == "edge");
  CHECK(c.limits.max_body_bytes == 2048);
  CHECK(c.timeouts.idle_ms == 90000ms);
  CHECK(c.threads.blocking == 16);
  CHECK(c.log.level == brisk::LogLevel::warning);
  CHECK_FALSE(c.log.access);
  CHECK(c.log.access_path == "/tmp/access.log");
  CHECK_FALSE(c.metrics.enabled);
  CHECK(c.health.path == "/live");

  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) {
    CHECK(from_env({{"BRISK_SERVER_DEMO", "false"}, {"BRISK_LOG_ACCESS", yes}}).log.access);
  }
  CHECK_FALSE(from_env({{"BRISK_SERVER_WORKERS", "auto"}}).server.workers.has_value());
  CHECK(from_env({{"BRISK_LOG_ACCESS_FORMAT", "json"}}).log.access_format == brisk::config::AccessFormat::json);
}

TEST_CASE("other BRISK_ variables are left alone", "[env]") {
  CHECK(from_env({{"BRISK_DEBUG", "1"}, {"BRISK_CONFIG", "x"}, {"BRISK_server_listen", "nonsense"}}) == Config{});
}

TEST_CASE("an environment error names the variable, key, value and expectation", "[env][errors]") {
  CHECK(error_of({{"BRISK_LIMITS_MAX_BODY_BYTES", "-5"}}) ==
        "BRISK_LIMITS_MAX_BODY_BYTES: limits.max_body_bytes = \"-5\": expected an integer from 0 to 1073741824");
  CHECK(error_of({{"BRISK_LIMITS_MAX_BODY_BYTES", "1MB"}}) ==
        "BRISK_LIMITS_MAX_BODY_BYTES: limits.max_body_bytes = \"1MB\": expected an integer from 0 to 1073741824");
  CHECK(error_of({{"BRISK_LIMITS_MAX_BODY_BYTES", ""}}) ==
        "BRISK_LIMITS_MAX_BODY_BYTES: limits.max_body_bytes = \"\": expected an integer from 0 to 1073741824");
  CHECK(error_of({{"BRISK_LIMITS_MAX_BODY_BYTES", " 5"}}) ==
        "BRISK_LIMITS_MAX_BODY_BYTES: limits.max_body_bytes = \" 5\": expected an integer from 0 to 1073741824");
  CHECK(error_of({{"BRISK_SERVER_LISTEN", "localhost"}}) ==
        "BRISK_SERVER_LISTEN: server.listen = \"localhost\": expected IPv4:PORT or [IPv6]:PORT, e.g. 0.0.0.0:8080 "
        "or [::]:8080");
  CHECK(error_of({{"BRISK_SERVER_WORKERS", "0"}}) ==
        "BRISK_SERVER_WORKERS: server.workers = \"0\": expected \"auto\" or an integer from 1 to 1024");
  CHECK(error_of({{"BRISK_LOG_LEVEL", "loud"}}) ==
        "BRISK_LOG_LEVEL: log.level = \"loud\": expected one of \"debug\", \"info\", \"warning\", \"error\"");
  CHECK(error_of({{"BRISK_LOG_ACCESS_FORMAT", "common"}}) ==
        "BRISK_LOG_ACCESS_FORMAT: log.access_format = \"common\": expected one of \"combined\", \"json\"");
  CHECK(error_of({{"BRISK_TIMEOUTS_DRAIN_DELAY_MS", "5s"}}) ==
        "BRISK_TIMEOUTS_DRAIN_DELAY_MS: timeouts.drain_delay_ms = \"5s\": expected a number of milliseconds from 0 "
        "to 86400000");
  CHECK(error_of({{"BRISK_SERVER_DEMO", "maybe"}}) ==
        "BRISK_SERVER_DEMO: server.demo = \"maybe\": expected true or false (or 1/0, yes/no, on/off)");
  CHECK(error_of({{"BRISK_LIMITS_MAX_HEADER_BYTES", "2048"}}) ==
        "limits.max_uri_bytes = 8192: expected at most limits.max_header_bytes (2048): the request line is part "
        "of the head");
  CHECK(error_of({{"BRISK_LIMITS_MAX_HEADER_BYTES", "2048"}, {"BRISK_LIMITS_MAX_URI_BYTES", "4096"}}) ==
        "BRISK_LIMITS_MAX_URI_BYTES: limits.max_uri_bytes = 4096: expected at most limits.max_header_bytes "
        "(2048): the request line is part of the head");
}

TEST_CASE("an unknown variable in a section is an error that suggests its name", "[env][errors]") {
  CHECK(error_of({{"BRISK_LIMITS_MAX_BODY", "5"}}) ==
        "BRISK_LIMITS_MAX_BODY: unknown key limits.max_body (did you mean BRISK_LIMITS_MAX_BODY_BYTES?)");
  CHECK(error_of({{"BRISK_SERVER_MAX_BODY_BYTES", "5"}}) ==
        "BRISK_SERVER_MAX_BODY_BYTES: unknown key server.max_body_bytes (did you mean "
        "BRISK_LIMITS_MAX_BODY_BYTES?)");
  CHECK(error_of({{"BRISK_LOG", "debug"}}) == "BRISK_LOG: unknown key log");
  // Any name the environment can hold, on one line.
  CHECK(error_of({{"BRISK_LOG_A\nB", "1"}}) == "BRISK_LOG_A\\nB: unknown key log.\"a\\nb\"");
  CHECK(error_of({{"BRISK_ROUTES_LIMIT", "x"}}) == "BRISK_ROUTES_LIMIT: [routes] can only be set in the config file");
  CHECK(error_of({{"BRISK_PLUGIN_HELLO_GREETING", "x"}}) ==
        "BRISK_PLUGIN_HELLO_GREETING: [plugin] can only be set in the config file");
}
