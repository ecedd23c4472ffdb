#include <brisk/config/command_line.hpp>
#include <brisk/version.hpp>

#include <CLI/CLI.hpp>

#include <sstream>
#include <string>
#include <utility>

namespace brisk::config {

namespace {

constexpr std::string_view usage_hint = "Run with --help for more information.\n";

// Every configuration mistake exits 2 and starts nothing; only a bad flag
// earns the usage hint.
ExitRequest config_error(const ConfigError& e, bool from_flag) {
  std::string message = "brisk: " + std::string(e.what()) + "\n";
  if (from_flag) {
    message += usage_hint;
  }
  return ExitRequest{2, std::move(message)};
}

}  // namespace

std::string version_string() { return "brisk " BRISK_VERSION " (plugin SDK " BRISK_SDK_BUILD ")"; }

CommandLine parse_command_line(int argc, const char* const* argv, const Environment& env,
                               const std::filesystem::path& default_path) {
  CLI::App app{"brisk: a high-concurrency HTTP/1.1 server", "brisk"};
  std::string config_path;
  std::string listen;
  std::string workers;
  std::string level;
  bool check_only = false;
  const auto* config_option =
      app.add_option("--config", config_path,
                     "TOML configuration file (without it, " + default_path.string() +
                         " if it exists, else the built-in defaults)")
          ->type_name("FILE");
  // The values stay text here: the Loader parses them exactly as it parses the
  // file and the environment, with the same messages.
  const auto* listen_option =
      app.add_option("--listen", listen, "address to listen on (server.listen)")->type_name("HOST:PORT");
  const auto* workers_option =
      app.add_option("--workers", workers, "worker threads, one per core if auto (server.workers)")
          ->type_name("N|auto");
  const auto* level_option =
      app.add_option("--log-level", level, "debug, info, warning or error (log.level)")->type_name("LEVEL");
  app.add_flag("--check-config", check_only, "check the configuration, print it and exit");
  app.set_version_flag("--version", version_string());
  app.footer(
      "Each source overrides the one before: built-in defaults, the --config file,\n"
      "BRISK_<SECTION>_<KEY> environment variables (BRISK_LIMITS_MAX_BODY_BYTES=...),\n"
      "then these flags.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    if (app.exit(e, out, err) == 0) {
      return ExitRequest{0, out.str()};
    }
    return ExitRequest{2, err.str()};
  }

  Invocation invocation;
  Loader loader;
  try {
    if (config_option->count() > 0) {
      invocation.config_path = config_path;
    } else if (std::error_code ec; std::filesystem::exists(default_path, ec)) {
      invocation.config_path = default_path;
    }
    if (invocation.config_path) {
      loader.load_file(*invocation.config_path);
    }
    loader.load_environment(env);
  } catch (const ConfigError& e) {
    return config_error(e, false);
  }
  try {
    struct Flag {
      const CLI::Option* option;
      std::string_view key;
      const std::string& value;
    };
    const Flag flags[] = {
        {listen_option, "server.listen", listen},
        {workers_option, "server.workers", workers},
        {level_option, "log.level", level},
    };
    for (const auto& flag : flags) {
      if (flag.option->count() > 0) {
        loader.set(flag.key, flag.value, flag.option->get_name());
      }
    }
  } catch (const ConfigError& e) {
    return config_error(e, true);
  }
  try {
    invocation.config = loader.finish();
  } catch (const ConfigError& e) {
    return config_error(e, false);
  }
  invocation.check_only = check_only;
  return invocation;
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  return parse_command_line(argc, argv, process_environment());
}

}  // namespace brisk::config
