// The command line, and through it the whole order of precedence:
// defaults < file < environment < flags.

#include <brisk/config/command_line.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using brisk::config::CommandLine;
using brisk::config::Config;
using brisk::config::Environment;
using brisk::config::ExitRequest;
using brisk::config::Invocation;

namespace {

// A config file that removes itself.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("brisk-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".toml");
    std::ofstream(path_) << text;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { std::filesystem::remove(path_); }

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// No system file unless a test names one: the machine's own
// /etc/brisk/brisk.toml must not change what a test sees.
const std::filesystem::path no_system_file = "/nonexistent/brisk/brisk.toml";

CommandLine parse(std::vector<std::string> args, const Environment& env = {},
                  const std::filesystem::path& system_file = no_system_file) {
  args.insert(args.begin(), "brisk");
  std::vector<const char*> argv;
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  argv.push_back(nullptr);
  return brisk::config::parse_command_line(static_cast<int>(args.size()), argv.data(), env, system_file);
}

Invocation run(std::vector<std::string> args, const Environment& env = {}) {
  auto result = parse(std::move(args), env);
  if (auto* exit = std::get_if<ExitRequest>(&result)) {
    FAIL("exit " << exit->code << ": " << exit->message);
  }
  return std::get<Invocation>(std::move(result));
}

ExitRequest exit_of(std::vector<std::string> args, const Environment& env = {}) {
  auto result = parse(std::move(args), env);
  REQUIRE(std::holds_alternative<ExitRequest>(result));
  return std::get<ExitRequest>(std::move(result));
}

}  // namespace

TEST_CASE("no flags: the built-in defaults, even beside a brisk.toml", "[cli]") {
  // A brisk.toml in the working directory must not be picked up by itself.
  const auto directory = std::filesystem::temp_directory_path() / ("brisk-cwd-" + std::to_string(::getpid()));
  std::filesystem::create_directory(directory);
  std::ofstream(directory / "brisk.toml") << "[server]\nlisten = \"127.0.0.1:1\"\n";
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(directory);
  auto result = parse({});
  std::filesystem::current_path(previous);
  std::filesystem::remove_all(directory);

  REQUIRE(std::holds_alternative<Invocation>(result));
  const auto& invocation = std::get<Invocation>(result);
  const Config defaults;
  CHECK(invocation.config == defaults);
  CHECK_FALSE(invocation.config_path.has_value());
  CHECK_FALSE(invocation.check_only);
}

TEST_CASE("no --config: the system's file when it exists, as nginx reads its own", "[cli]") {
  TempFile system_file("[server]\nbacklog = 77\n");
  auto with_file = parse({}, {}, system_file.path());
  REQUIRE(std::holds_alternative<Invocation>(with_file));
  CHECK(std::get<Invocation>(with_file).config.server.backlog == 77);
  CHECK(std::get<Invocation>(with_file).config_path == std::filesystem::path(system_file.path()));

  // --config names another file: the system's is not read at all.
  TempFile chosen("[server]\nworkers = 3\n");
  auto with_flag = parse({"--config", chosen.path()}, {}, system_file.path());
  REQUIRE(std::holds_alternative<Invocation>(with_flag));
  const Config defaults;
  CHECK(std::get<Invocation>(with_flag).config.server.backlog == defaults.server.backlog);

  // A bad system file stops the start like any other, naming it.
  TempFile broken("[server]\nbacklog = \"many\"\n");
  auto refused = parse({}, {}, broken.path());
  REQUIRE(std::holds_alternative<ExitRequest>(refused));
  CHECK(std::get<ExitRequest>(refused).code == 2);
  CHECK(std::get<ExitRequest>(refused).message.find(broken.path()) != std::string::npos);
}

TEST_CASE("help and version ask to exit 0 with their text", "[cli]") {
  const ExitRequest help = exit_of({"--help"});
  CHECK(help.code == 0);
  for (const char* flag : {"--config", "--listen", "--workers", "--log-level", "--check-config", "--version",
                           "BRISK_<SECTION>_<KEY>"}) {
    INFO(flag);
    CHECK(help.message.find(flag) != std::string::npos);
  }
  const ExitRequest version = exit_of({"--version"});
  CHECK(version.code == 0);
  CHECK(version.message == brisk::config::version_string() + "\n");
  CHECK(version.message.starts_with("brisk 0."));
}

TEST_CASE("a usage error asks to exit 2 with a message", "[cli][errors]") {
  const ExitRequest unknown = exit_of({"--listne", "0.0.0.0:1"});
  CHECK(unknown.code == 2);
  CHECK(unknown.message.find("--listne") != std::string::npos);
  CHECK(unknown.message.find("--help") != std::string::npos);

  const ExitRequest missing = exit_of({"--config"});
  CHECK(missing.code == 2);
  CHECK(missing.message.find("--config") != std::string::npos);

  CHECK(exit_of({"extra"}).code == 2);
}

TEST_CASE("a bad flag value asks to exit 2 naming the flag", "[cli][errors]") {
  const ExitRequest workers = exit_of({"--workers", "lots"});
  CHECK(workers.code == 2);
  CHECK(workers.message == "brisk: --workers: server.workers = \"lots\": expected \"auto\" or an integer from 1 to "
                           "1024\nRun with --help for more information.\n");
  const ExitRequest listen = exit_of({"--listen=127.0.0.1:0"});
  CHECK(listen.code == 2);
  CHECK(listen.message.starts_with(
      "brisk: --listen: server.listen = \"127.0.0.1:0\": expected a port from 1 to 65535\n"));
  const ExitRequest level = exit_of({"--log-level", "verbose"});
  CHECK(level.code == 2);
  CHECK(level.message.starts_with(
      "brisk: --log-level: log.level = \"verbose\": expected one of \"debug\", \"info\", \"warning\", \"error\"\n"));
}

TEST_CASE("a bad file or environment asks to exit 2 naming where", "[cli][errors]") {
  const TempFile file("[limits]\n\nmax_body_bytes = -5\n");
  const ExitRequest bad_file = exit_of({"--config", file.path()});
  CHECK(bad_file.code == 2);
  CHECK(bad_file.message ==
        "brisk: " + file.path() + ":3: limits.max_body_bytes = -5: expected an integer from 0 to 1073741824\n");

  const ExitRequest missing = exit_of({"--config", "/nonexistent/brisk.toml"});
  CHECK(missing.code == 2);
  CHECK(missing.message ==
        "brisk: cannot read config file /nonexistent/brisk.toml: No such file or directory\n");

  const ExitRequest bad_env = exit_of({}, {{"BRISK_TIMEOUTS_HEADER_MS", "0"}});
  CHECK(bad_env.code == 2);
  CHECK(bad_env.message == "brisk: BRISK_TIMEOUTS_HEADER_MS: timeouts.header_ms = \"0\": expected a number of "
                           "milliseconds from 1 to 86400000\n");

  // Checks across keys come last, after the flags.
  const ExitRequest across = exit_of({"--workers", "16"}, {{"BRISK_LIMITS_MAX_CONNECTIONS", "8"}});
  CHECK(across.code == 2);
  CHECK(across.message == "brisk: BRISK_LIMITS_MAX_CONNECTIONS: limits.max_connections = 8: expected at least "
                          "server.workers (16): it is split across the workers\n");
}

TEST_CASE("flags override the environment, which overrides the file, which overrides the defaults",
          "[cli][precedence]") {
  const TempFile file(R"(
[server]
listen = "127.0.0.1:1001"
workers = 2
backlog = 99

[log]
level = "debug"
access = false

[timeouts]
idle_ms = 1234
)");
  const Environment env{
      {"BRISK_SERVER_LISTEN", "127.0.0.1:2002"},
      {"BRISK_SERVER_WORKERS", "3"},
      {"BRISK_LOG_LEVEL", "warning"},
      {"BRISK_THREADS_BLOCKING", "5"},
  };

  const Invocation file_only = run({"--config", file.path()});
  CHECK(file_only.config_path == file.path());
  CHECK(file_only.config.server.listen.port == 1001);
  CHECK(file_only.config.server.workers == 2U);
  CHECK(file_only.config.server.backlog == 99);
  CHECK(file_only.config.log.level == brisk::LogLevel::debug);
  CHECK(file_only.config.threads.blocking == 8);

  const Invocation with_env = run({"--config", file.path()}, env);
  CHECK(with_env.config.server.listen.port == 2002);
  CHECK(with_env.config.server.workers == 3U);
  CHECK(with_env.config.log.level == brisk::LogLevel::warning);
  CHECK(with_env.config.threads.blocking == 5);
  CHECK(with_env.config.server.backlog == 99);
  CHECK_FALSE(with_env.config.log.access);
  CHECK(with_env.config.timeouts.idle_ms == 1234ms);

  const Invocation with_flags = run(
      {"--config", file.path(), "--listen", "[::1]:3003", "--workers", "auto", "--log-level", "error"}, env);
  CHECK(with_flags.config.server.listen == brisk::config::Endpoint{"::1", 3003});
  CHECK_FALSE(with_flags.config.server.workers.has_value());
  CHECK(with_flags.config.log.level == brisk::LogLevel::error);
  CHECK(with_flags.config.threads.blocking == 5);
  CHECK(with_flags.config.server.backlog == 99);
  CHECK(with_flags.config.limits == brisk::config::LimitsConfig{});

  // The environment applies without a file too, and flags without either.
  CHECK(run({}, env).config.server.listen.port == 2002);
  CHECK(run({"--workers=7"}).config.server.workers == 7U);
}

TEST_CASE("check-config is reported with the loaded configuration", "[cli]") {
  const Invocation check = run({"--check-config", "--listen", "127.0.0.1:8081"});
  CHECK(check.check_only);
  CHECK(check.config.server.listen == brisk::config::Endpoint{"127.0.0.1", 8081});
  CHECK(exit_of({"--check-config", "--workers", "0"}).code == 2);
}
