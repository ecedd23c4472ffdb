#pragma once
// Building a Config from its sources, in precedence order:
//   built-in defaults < TOML file < BRISK_* environment < command-line flags.
//
// A Loader starts from Config{} and each call lays one source over it; a later
// call wins key by key. Every value is checked (type, range, format) as it is
// applied, so an error names the source it came from; finish() then checks
// what no single key can (max_uri_bytes <= max_header_bytes...). Errors are
// ConfigError (error.hpp). Unknown keys are errors, with the nearest known
// key suggested, so a typo never silently leaves a default in place. A call
// that throws may have applied part of its source: discard that Loader.
//
// Environment variables are named BRISK_<SECTION>_<KEY> in upper case
// (BRISK_LIMITS_MAX_BODY_BYTES) and take the same values a flag does. A
// BRISK_ variable whose first word is not a configuration section
// (BRISK_DEBUG is the runtime's) is left alone; one inside a section must name
// a key of it. routes and plugins exist only in the file.
//
// Relative paths (log files, plugins) are kept as written: they are relative
// to the daemon's working directory, wherever they were set.

#include <brisk/config/config.hpp>
#include <brisk/config/error.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace brisk::config {

// The BRISK_* variables of an environment, by name.
using Environment = std::map<std::string, std::string, std::less<>>;

// Collects the BRISK_* entries of a NAME=VALUE array ending in nullptr (the
// third argument of main, or `environ`).
Environment environment_from(const char* const* envp);
// environment_from(environ).
Environment process_environment();

class Loader {
 public:
  // Reads and applies a TOML file; messages name it as `path` was written.
  void load_file(const std::filesystem::path& path);
  // Applies TOML text; `source_name` stands for the file in messages.
  void load_toml(std::string_view text, std::string_view source_name);
  void load_environment(const Environment& env);
  // Applies one value written as text (a flag's argument) to a dotted key;
  // `origin` names where it came from in messages ("--listen").
  void set(std::string_view key, std::string_view value, std::string_view origin);

  // The result, after the checks across keys.
  Config finish() const;

 private:
  Config config_;
  // Dotted key -> where its current value was set, for errors found by finish().
  std::map<std::string, std::string, std::less<>> origins_;
};

// Defaults, then `file` if given, then `env`; validated.
Config load(const std::optional<std::filesystem::path>& file, const Environment& env);

// Every check a Loader makes, for a Config assembled in code.
void validate(const Config& config);

}  // namespace brisk::config
