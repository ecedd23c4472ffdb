#pragma once
// The one exception the configuration layer throws.
//
// Its message is meant for the person who wrote the configuration, in one line:
// where the value came from (file:line, the environment variable, the flag),
// the dotted key, the value as written and what was expected:
//   brisk.toml:7: limits.max_body_bytes = -5: expected an integer from 0 to 1073741824
//   BRISK_LOG_LEVEL: log.level = "loud": expected one of "debug", "info", "warning", "error"

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace brisk::config {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message, std::string key = {})
      : std::runtime_error(message), key_(std::move(key)) {}

  // The dotted key at fault ("server.listen"); empty when the error is not
  // about one key (an unreadable file, a TOML syntax error).
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

// The dotted key of `key` inside `parent` ("limits" and "max_body_bytes":
// "limits.max_body_bytes"), as these messages write keys: `key` bare when
// TOML allows, else quoted, so that the message stays on one line. Also for
// the messages of a plugin about its own section (PluginContext).
std::string child_key(std::string_view parent, std::string_view key);

}  // namespace brisk::config
