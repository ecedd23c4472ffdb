#include <brisk/server/plugin.hpp>

#include <algorithm>
#include <stdexcept>

namespace brisk::server {

std::string PluginContext::setting_name(std::string_view key) const {
  // TOML's bare keys; any other key is written as a quoted string, as the
  // daemon's messages write theirs.
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return "plugin." + name_ + "." + (bare ? std::string(key) : nlohmann::json(key).dump());
}

void PluginContext::refuse_setting(std::string_view key, const nlohmann::json& value,
                                   std::string_view expected) const {
  throw std::invalid_argument(setting_name(key) + " = " + value.dump() + ": expected " + std::string(expected));
}

void PluginContext::allow_only(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : settings_.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view k : known) {
        names.append(names.empty() ? "" : ", ").append(k);
      }
      throw std::invalid_argument("unknown key " + setting_name(key) + " (known: " +
                                  (names.empty() ? "none" : names) + ")");
    }
  }
}

}  // namespace brisk::server
