#pragma once
// The daemon's command line:
//   brisk [--config FILE] [--listen HOST:PORT] [--workers N|auto]
//         [--log-level L] [--check-config] [--version] [--help]
//
// parse_command_line() loads the whole configuration (loader.hpp): defaults,
// then FILE when --config is given, or else the system's file,
// /etc/brisk/brisk.toml, when it exists (as nginx reads its default file;
// never a file found in the working directory by itself), then the BRISK_*
// environment, then the flags. It
// prints nothing and never throws ConfigError: the caller either runs with the
// Invocation or prints an ExitRequest's message and exits with its code.

#include <brisk/config/config.hpp>
#include <brisk/config/loader.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace brisk::config {

// A valid configuration and what to do with it.
struct Invocation {
  Config config;
  std::optional<std::filesystem::path> config_path;
  // --check-config: build what a start would, without listening, and report
  // the configuration (describe()) or why it cannot start
  // (server::check_daemon()).
  bool check_only = false;
};

// Nothing to run. code 0 (--help, --version): print message to stdout.
// code 2: a usage error (unknown flag, bad flag value) or an invalid
// configuration file or environment: nothing starts. Print message to stderr.
struct ExitRequest {
  int code = 0;
  std::string message;
};

using CommandLine = std::variant<Invocation, ExitRequest>;

// The file read without --config.
inline constexpr std::string_view default_config_path = "/etc/brisk/brisk.toml";

// `default_path`: the file read without --config, if it exists (tests name
// one of their own).
CommandLine parse_command_line(int argc, const char* const* argv, const Environment& env,
                               const std::filesystem::path& default_path = std::filesystem::path(default_config_path));
// The same with process_environment().
CommandLine parse_command_line(int argc, const char* const* argv);

// "brisk 0.1.0 (plugin SDK 0.1.0+<fingerprint>)", what --version prints.
std::string version_string();

}  // namespace brisk::config
