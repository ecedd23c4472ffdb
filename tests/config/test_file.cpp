// The TOML layer: every section read, and each kind of mistake reported with
// file:line, the dotted key, the value as written and what was expected.

#include <brisk/config/loader.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using namespace std::chrono_literals;
using brisk::config::Config;
using brisk::config::ConfigError;
using brisk::config::Loader;

namespace {

Config from_toml(std::string_view text) {
  Loader loader;
  loader.load_toml(text, "brisk.toml");
  return loader.finish();
}

// The message of the ConfigError loading `text` throws.
std::string error_of(std::string_view text) {
  try {
    from_toml(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a file overrides the defaults it mentions and keeps the rest", "[file]") {
  const Config c = from_toml(R"(
[server]
listen = "127.0.0.1:9000"
workers = 4
backlog = 128
demo = false
server_name = ""

[limits]
max_header_bytes = 8192
max_body_bytes = 0
max_uri_bytes = 4096
max_connections = 500
max_pipeline = 8
write_high_water = 65536

[timeouts]
header_ms = 500
idle_ms = 1000
handler_ms = 2000
drain_delay_ms = 0
shutdown_ms = 0
write_ms = 3000

[threads]
blocking = 2
blocking_queue = 0

[log]
level = "debug"
access = false
access_path = "/var/log/brisk/access.log"
error_path = "error.log"

[metrics]
enabled = false
path = "/stats"

[health]
path = "/ready"
)");
  CHECK(c.server.listen == brisk::config::Endpoint{"127.0.0.1", 9000});
  CHECK(c.server.workers == 4U);
  CHECK(c.server.backlog == 128);
  CHECK_FALSE(c.server.demo);
  CHECK(c.server.server_name.empty());
  CHECK(c.limits.max_header_bytes == 8192);
  CHECK(c.limits.max_body_bytes == 0);
  CHECK(c.limits.max_uri_bytes == 4096);
  CHECK(c.limits.max_connections == 500);
  CHECK(c.limits.max_pipeline == 8);
  CHECK(c.limits.write_high_water == 65536);
  CHECK(c.timeouts.header_ms == 500ms);
  CHECK(c.timeouts.idle_ms == 1000ms);
  CHECK(c.timeouts.handler_ms == 2000ms);
  CHECK(c.timeouts.drain_delay_ms == 0ms);
  CHECK(c.timeouts.shutdown_ms == 0ms);
  CHECK(c.timeouts.write_ms == 3000ms);
  CHECK(c.threads.blocking == 2);
  CHECK(c.threads.blocking_queue == 0);
  CHECK(c.log.level == brisk::LogLevel::debug);
  CHECK_FALSE(c.log.access);
  CHECK(c.log.access_path == "/var/log/brisk/access.log");
  CHECK(c.log.error_path == "error.log");
  CHECK_FALSE(c.metrics.enabled);
  CHECK(c.metrics.path == "/stats");
  CHECK(c.health.path == "/ready");

  const Config partial = from_toml("[limits]\nmax_body_bytes = 10\n");
  Config expected;
  expected.limits.max_body_bytes = 10;
  CHECK(partial == expected);
  const Config defaults;
  CHECK(from_toml("") == defaults);
}

TEST_CASE("listen takes IPv4:PORT and [IPv6]:PORT", "[file]") {
  CHECK(from_toml("server.listen = \"[::]:80\"").server.listen == brisk::config::Endpoint{"::", 80});
  CHECK(from_toml("server.listen = \"[::1]:65535\"").server.listen == brisk::config::Endpoint{"::1", 65535});
  CHECK(from_toml("server.listen = \"10.1.2.3:1\"").server.listen == brisk::config::Endpoint{"10.1.2.3", 1});
}

TEST_CASE("workers takes \"auto\" or a count", "[file]") {
  CHECK_FALSE(from_toml("server.workers = \"auto\"").server.workers.has_value());
  CHECK(from_toml("server.workers = 1").server.workers == 1U);
  CHECK(from_toml("server.workers = 1024").server.workers == 1024U);
}

TEST_CASE("route limits are read from [[routes.limit]]", "[file]") {
  const Config c = from_toml(R"(
[[routes.limit]]
path = "/blocking"
concurrency = 4
wait_ms = 100

[[routes.limit]]
path = "/users/{id}"
concurrency = 16
)");
  REQUIRE(c.routes.limit.size() == 2);
  CHECK(c.routes.limit[0] == brisk::config::RouteLimit{"/blocking", 4, 100ms});
  CHECK(c.routes.limit[1] == brisk::config::RouteLimit{"/users/{id}", 16, 0ms});
}

TEST_CASE("plugins are read from [[plugins.load]] with their own [plugin.<name>] as JSON", "[file]") {
  const Config c = from_toml(R"(
[plugin.hello]
greeting = "Hi"
times = 3
ratio = 0.5
tags = ["a", "b"]
since = 2024-01-02
[plugin.hello.nested]
on = true

[[plugins.load]]
path = "/usr/lib/brisk/libhello.so"
name = "hello"

[[plugins.load]]
path = "plugins/libquiet.so"
name = "quiet-one"
)");
  REQUIRE(c.plugins.load.size() == 2);
  CHECK(c.plugins.load[0].path == "/usr/lib/brisk/libhello.so");
  CHECK(c.plugins.load[0].name == "hello");
  CHECK(c.plugins.load[0].settings == nlohmann::json{{"greeting", "Hi"},
                                                     {"times", 3},
                                                     {"ratio", 0.5},
                                                     {"tags", {"a", "b"}},
                                                     {"since", "2024-01-02"},
                                                     {"nested", {{"on", true}}}});
  CHECK(c.plugins.load[1].name == "quiet-one");
  CHECK(c.plugins.load[1].settings == nlohmann::json::object());
}

TEST_CASE("a value of the wrong type names key, value and the type expected", "[file][errors]") {
  CHECK(error_of("[limits]\nmax_body_bytes = \"1MB\"\n") ==
        "brisk.toml:2: limits.max_body_bytes = \"1MB\": expected an integer from 0 to 1073741824");
  CHECK(error_of("[limits]\nmax_body_bytes = 1.5\n") ==
        "brisk.toml:2: limits.max_body_bytes = 1.5: expected an integer from 0 to 1073741824");
  CHECK(error_of("[server]\ndemo = \"yes\"\n") == "brisk.toml:2: server.demo = \"yes\": expected true or false");
  CHECK(error_of("[server]\nserver_name = 5\n") ==
        "brisk.toml:2: server.server_name = 5: expected printable ASCII of at most 256 characters");
  CHECK(error_of("[timeouts]\nidle_ms = [1, 2]\n") ==
        "brisk.toml:2: timeouts.idle_ms = [ 1, 2 ]: expected a number of milliseconds from 1 to 86400000");
  // On one line, however long, with strings escaped (found by
  // tests/fuzz/fuzz_config.cpp: toml++ wraps a long array).
  CHECK(error_of("[timeouts]\nidle_ms = [\"" + std::string(120, 'a') + "\", 'x\ty']\n") ==
        "brisk.toml:2: timeouts.idle_ms = [ \"" + std::string(120, 'a') +
            "\", \"x\\ty\" ]: expected a number of milliseconds from 1 to 86400000");
  CHECK(error_of("server = 5\n") == "brisk.toml:1: server = 5: expected a table ([server])");
}

TEST_CASE("a value out of range names file:line, key, value and the range", "[file][errors]") {
  const std::string text =
      "# line 1\n"
      "[server]\n"
      "listen = \"0.0.0.0:8080\"\n"
      "\n"
      "[limits]\n"
      "max_header_bytes = 16384\n"
      "max_body_bytes = -5\n";
  CHECK(error_of(text) == "brisk.toml:7: limits.max_body_bytes = -5: expected an integer from 0 to 1073741824");
  CHECK(error_of("[timeouts]\nheader_ms = 0\n") ==
        "brisk.toml:2: timeouts.header_ms = 0: expected a number of milliseconds from 1 to 86400000");
  CHECK(error_of("[timeouts]\ndrain_delay_ms = -1\n") ==
        "brisk.toml:2: timeouts.drain_delay_ms = -1: expected a number of milliseconds from 0 to 86400000");
  CHECK(error_of("[threads]\nblocking = 5000\n") ==
        "brisk.toml:2: threads.blocking = 5000: expected an integer from 1 to 1024");
  CHECK(error_of("[server]\nserver_name = \"a\\r\\nX-Injected: 1\"\n") ==
        "brisk.toml:2: server.server_name = \"a\\r\\nX-Injected: 1\": expected printable ASCII of at most 256 "
        "characters");
  CHECK(error_of("[health]\npath = \"healthz\"\n") ==
        "brisk.toml:2: health.path = \"healthz\": expected a URL path starting with /, without { or }");
  // Served as written: the router would take "/{x}" for a pattern matching every path.
  CHECK(error_of("[metrics]\npath = \"/{x}\"\n") ==
        "brisk.toml:2: metrics.path = \"/{x}\": expected a URL path starting with /, without { or }");
}

TEST_CASE("an unknown key is an error that suggests the nearest key", "[file][errors]") {
  CHECK(error_of("[limits]\nmax_body_byte = 5\n") ==
        "brisk.toml:2: unknown key limits.max_body_byte (did you mean limits.max_body_bytes?)");
  CHECK(error_of("[server]\n\nmax_body_bytes = 5\n") ==
        "brisk.toml:3: unknown key server.max_body_bytes (did you mean limits.max_body_bytes?)");
  CHECK(error_of("[limit]\nmax_body_bytes = 5\n") == "brisk.toml:1: unknown key limit (did you mean limits?)");
  CHECK(error_of("listen = \"0.0.0.0:80\"\n") == "brisk.toml:1: unknown key listen (did you mean server.listen?)");
  // A quoted key is shown quoted: the message stays one line (found by
  // tests/fuzz/fuzz_config.cpp).
  CHECK(error_of("\"a\\nb\" = 1\n") == "brisk.toml:1: unknown key \"a\\nb\"");
  CHECK(error_of("[limits]\n\"max body\" = 1\n") == "brisk.toml:2: unknown key limits.\"max body\"");
  CHECK(error_of("[[routes.limit]]\npath = \"/a\"\n\"x\\ry\" = 1\n") == "brisk.toml:3: unknown key routes.limit[0].\"x\\ry\"");
  CHECK(error_of("[server]\ncolour = \"blue\"\n") == "brisk.toml:2: unknown key server.colour");
  CHECK(error_of("[[routes.limit]]\npath = \"/a\"\nconcurency = 2\n") ==
        "brisk.toml:3: unknown key routes.limit[0].concurency (did you mean concurrency?)");
  CHECK(error_of("[routes]\nlimits = []\n") == "brisk.toml:2: unknown key routes.limits (did you mean limit?)");

  try {
    from_toml("[timeouts]\nheder_ms = 5\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "timeouts.heder_ms");
  }
}

TEST_CASE("a bad listen names what was expected", "[file][errors]") {
  const std::string form =
      ": expected IPv4:PORT or [IPv6]:PORT, e.g. 0.0.0.0:8080 or [::]:8080";
  CHECK(error_of("server.listen = \"8080\"") == "brisk.toml:1: server.listen = \"8080\"" + form);
  CHECK(error_of("server.listen = \"localhost:8080\"") == "brisk.toml:1: server.listen = \"localhost:8080\"" + form);
  CHECK(error_of("server.listen = \"::1:8080\"") == "brisk.toml:1: server.listen = \"::1:8080\"" + form);
  CHECK(error_of("server.listen = \"[::1]8080\"") == "brisk.toml:1: server.listen = \"[::1]8080\"" + form);
  CHECK(error_of("server.listen = \"1.2.3:80\"") == "brisk.toml:1: server.listen = \"1.2.3:80\"" + form);
  CHECK(error_of("server.listen = \"0.0.0.0:http\"") == "brisk.toml:1: server.listen = \"0.0.0.0:http\"" + form);
  CHECK(error_of("server.listen = \"0.0.0.0:\"") == "brisk.toml:1: server.listen = \"0.0.0.0:\"" + form);
  CHECK(error_of("server.listen = 8080") == "brisk.toml:1: server.listen = 8080" + form);
  CHECK(error_of("server.listen = \"0.0.0.0:0\"") ==
        "brisk.toml:1: server.listen = \"0.0.0.0:0\": expected a port from 1 to 65535");
  CHECK(error_of("server.listen = \"[::]:65536\"") ==
        "brisk.toml:1: server.listen = \"[::]:65536\": expected a port from 1 to 65535");
  CHECK(error_of("server.listen = \"0.0.0.0:99999999999999999999\"") ==
        "brisk.toml:1: server.listen = \"0.0.0.0:99999999999999999999\": expected a port from 1 to 65535");
}

TEST_CASE("bad workers, log level or access format name what was expected", "[file][errors]") {
  const std::string workers = ": expected \"auto\" or an integer from 1 to 1024";
  CHECK(error_of("[server]\nworkers = 0\n") == "brisk.toml:2: server.workers = 0" + workers);
  CHECK(error_of("[server]\nworkers = 1025\n") == "brisk.toml:2: server.workers = 1025" + workers);
  CHECK(error_of("[server]\nworkers = \"many\"\n") == "brisk.toml:2: server.workers = \"many\"" + workers);
  CHECK(error_of("[server]\nworkers = true\n") == "brisk.toml:2: server.workers = true" + workers);
  CHECK(error_of("[log]\nlevel = \"loud\"\n") ==
        "brisk.toml:2: log.level = \"loud\": expected one of \"debug\", \"info\", \"warning\", \"error\"");
  CHECK(error_of("[log]\nlevel = \"INFO\"\n") ==
        "brisk.toml:2: log.level = \"INFO\": expected one of \"debug\", \"info\", \"warning\", \"error\"");
  CHECK(error_of("[log]\naccess_format = \"apache\"\n") ==
        "brisk.toml:2: log.access_format = \"apache\": expected one of \"combined\", \"json\"");
  CHECK(error_of("[log]\naccess_format = 1\n") ==
        "brisk.toml:2: log.access_format = 1: expected one of \"combined\", \"json\"");
}

TEST_CASE("keys are checked against each other", "[file][errors]") {
  CHECK(error_of("[limits]\nmax_header_bytes = 4096\nmax_uri_bytes = 8192\n") ==
        "brisk.toml:3: limits.max_uri_bytes = 8192: expected at most limits.max_header_bytes (4096): the request "
        "line is part of the head");
  // The key at fault may have kept its default: no line to name then.
  CHECK(error_of("[limits]\nmax_header_bytes = 4096\n") ==
        "limits.max_uri_bytes = 8192: expected at most limits.max_header_bytes (4096): the request line is part "
        "of the head");
  CHECK(error_of("[server]\nworkers = 8\n[limits]\nmax_connections = 4\n") ==
        "brisk.toml:4: limits.max_connections = 4: expected at least server.workers (8): it is split across the "
        "workers");
  CHECK(error_of("[metrics]\npath = \"/healthz\"\n") ==
        "brisk.toml:2: metrics.path = \"/healthz\": expected a path other than health.path");
  CHECK_NOTHROW(from_toml("[metrics]\nenabled = false\npath = \"/healthz\"\n"));
}

TEST_CASE("route limits and plugins are checked", "[file][errors]") {
  CHECK(error_of("[[routes.limit]]\nconcurrency = 2\n") == "brisk.toml:1: routes.limit[0].path is missing");
  CHECK(error_of("[[routes.limit]]\npath = \"/a\"\nconcurrency = 0\n") ==
        "brisk.toml:3: routes.limit[0].concurrency = 0: expected an integer from 1 to 1000000");
  CHECK(error_of("[[routes.limit]]\npath = \"a\"\nconcurrency = 1\n") ==
        "brisk.toml:2: routes.limit[0].path = \"a\": expected a URL path starting with /");
  CHECK(error_of("[[routes.limit]]\npath = \"/a\"\nconcurrency = 1\nwait_ms = -1\n") ==
        "brisk.toml:4: routes.limit[0].wait_ms = -1: expected a number of milliseconds from 0 to 86400000");
  CHECK(error_of("[[routes.limit]]\npath = \"/a\"\nconcurrency = 1\n[[routes.limit]]\npath = \"/a\"\n"
                 "concurrency = 2\n") ==
        "brisk.toml:5: routes.limit[1].path = \"/a\": expected a path not already limited by routes.limit[0]");
  CHECK(error_of("[routes]\nlimit = 3\n") ==
        "brisk.toml:2: routes.limit = 3: expected an array of tables ([[routes.limit]])");

  CHECK(error_of("[[plugins.load]]\npath = \"a.so\"\n") == "brisk.toml:1: plugins.load[0].name is missing");
  CHECK(error_of("[[plugins.load]]\npath = \"a.so\"\nname = \"a b\"\n") ==
        "brisk.toml:3: plugins.load[0].name = \"a b\": expected a name of letters, digits, '_' and '-'");
  CHECK(error_of("[[plugins.load]]\npath = \"\"\nname = \"a\"\n") ==
        "brisk.toml:2: plugins.load[0].path = \"\": expected the path of a shared library");
  CHECK(error_of("[[plugins.load]]\npath = \"a.so\"\nname = \"a\"\n[[plugins.load]]\npath = \"b.so\"\n"
                 "name = \"a\"\n") ==
        "brisk.toml:6: plugins.load[1].name = \"a\": expected a name not already used by plugins.load[0]");
  CHECK(error_of("[[plugins.load]]\npath = \"h.so\"\nname = \"hello\"\n[plugin.helo]\nx = 1\n") ==
        "brisk.toml:4: plugin.helo: no [[plugins.load]] entry is named \"helo\" (did you mean plugin.hello?)");
  CHECK(error_of("[plugin]\nhello = 1\n") == "brisk.toml:2: plugin.hello = 1: expected a table ([plugin.hello])");
}

TEST_CASE("a TOML syntax error names file:line:column", "[file][errors]") {
  CHECK(error_of("[server]\nlisten = \n") ==
        "brisk.toml:2:10: Error while parsing key-value pair: expected value, saw '\\n'");
  CHECK(error_of("[server]\nbacklog = 1\nbacklog = 2\n").starts_with("brisk.toml:3:"));
  // toml++ quotes some bytes as they are; the message stays one line (found
  // by tests/fuzz/fuzz_config.cpp).
  CHECK(error_of("[log]\naccess = tru\n") ==
        "brisk.toml:2:13: Error while parsing boolean: expected 'true', saw 'tru\\n'");
}

TEST_CASE("load_file reads a file and names it in errors", "[file][errors]") {
  Loader loader;
  try {
    loader.load_file("/nonexistent/brisk.toml");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "cannot read config file /nonexistent/brisk.toml: No such file or directory");
    CHECK(e.key().empty());
  }
}

TEST_CASE("validate checks a Config built in code", "[file][errors]") {
  Config c;
  SECTION("a value out of range") {
    c.limits.max_body_bytes = std::size_t{1} << 40;
    CHECK_THROWS_WITH(brisk::config::validate(c),
                      "limits.max_body_bytes = 1099511627776: expected an integer from 0 to 1073741824");
  }
  SECTION("a host name in listen") {
    c.server.listen = {"example.com", 80};
    CHECK_THROWS_WITH(brisk::config::validate(c), "server.listen = \"example.com:80\": expected IPv4:PORT or "
                                                  "[IPv6]:PORT, e.g. 0.0.0.0:8080 or [::]:8080");
  }
  SECTION("port 0") {
    c.server.listen = {"::1", 0};
    CHECK_THROWS_WITH(brisk::config::validate(c), "server.listen = \"[::1]:0\": expected a port from 1 to 65535");
  }
  SECTION("a route limit of 0") {
    c.routes.limit.push_back({"/x", 0, 0ms});
    CHECK_THROWS_WITH(brisk::config::validate(c),
                      "routes.limit[0].concurrency = 0: expected an integer from 1 to 1000000");
  }
  SECTION("0 workers") {
    c.server.workers = 0;
    CHECK_THROWS_WITH(brisk::config::validate(c),
                      "server.workers = 0: expected \"auto\" or an integer from 1 to 1024");
  }
}
