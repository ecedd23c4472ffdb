#include "plugin_library.hpp"

#include <brisk/server/plugin.hpp>

#include <brisk/config/error.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace brisk::server {
namespace {

std::string refusal(const config::PluginSpec& spec, const std::string& why) {
  return "plugin " + spec.name + " (" + spec.path + "): " + why;
}

// A library that cannot be used as a plugin: the configuration names the
// wrong file, a configuration mistake like any other.
[[noreturn]] void refuse(const config::PluginSpec& spec, const std::string& why) {
  throw config::ConfigError(refusal(spec, why), "plugins.load");
}

// What PluginContext throws for a bad setting: a std::invalid_argument to
// the plugin, as plugin.hpp promises, and a configuration mistake to the
// loader, with the setting's key.
class SettingError : public std::invalid_argument {
 public:
  SettingError(const std::string& message, std::string key) : std::invalid_argument(message), key_(std::move(key)) {}
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

// Reads and checks the library's PluginInfo; `handle` is closed by the caller.
const PluginInfo& plugin_info(const config::PluginSpec& spec, void* handle) {
  const auto* info = static_cast<const PluginInfo*>(::dlsym(handle, plugin_symbol));
  if (info == nullptr) {
    refuse(spec, std::string("not a brisk plugin: it exports no '") + plugin_symbol +
                     "' (BRISK_PLUGIN in <brisk/server/plugin.hpp> defines it)");
  }
  if (info->interface != plugin_interface) {
    refuse(spec, "built for plugin interface " + std::to_string(info->interface) + ", but this brisk loads interface " +
                     std::to_string(plugin_interface) + ": rebuild it against this brisk's SDK");
  }
  if (info->sdk_build == nullptr || std::strcmp(info->sdk_build, BRISK_SDK_BUILD) != 0) {
    refuse(spec, std::string("built against the SDK of brisk ") +
                     (info->sdk_build != nullptr ? info->sdk_build : "(unknown)") +
                     ", but this is brisk " BRISK_SDK_BUILD ": rebuild it against this brisk's SDK");
  }
  if (info->setup == nullptr) {
    refuse(spec, "its PluginInfo has no setup function");
  }
  return *info;
}

}  // namespace

PluginLibrary::PluginLibrary(const config::PluginSpec& spec, Router& router) {
  // A path without a '/' would send dlopen searching the library path
  // (LD_LIBRARY_PATH, /usr/lib, ...); like every relative path in the
  // config, it is a file in the working directory.
  const std::string path = spec.path.find('/') == std::string::npos ? "./" + spec.path : spec.path;
  // RTLD_NOW: a symbol the plugin needs and this brisk lacks fails here, by
  // name, rather than at the first request that calls it. RTLD_LOCAL: two
  // plugins' own symbols do not meet.
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* error = ::dlerror();
    std::string_view why = error != nullptr ? error : "dlopen failed";
    // dlerror() starts with the path, which refuse() already gives.
    if (why.starts_with(path) && why.substr(path.size()).starts_with(": ")) {
      why.remove_prefix(path.size() + 2);
    }
    refuse(spec, "cannot load: " + std::string(why));
  }
  const PluginInfo* info = nullptr;
  try {
    info = &plugin_info(spec, handle_);
  } catch (...) {
    ::dlclose(handle_);
    throw;
  }
  // A setup that fails may have registered routes first: the router then
  // holds the plugin's code until it is destroyed, so the library is never
  // closed from here on (the daemon is not starting anyway).
  // Only a refused setting is the configuration's fault; any other failure
  // of setup is the plugin's own.
  PluginContext context(spec.name, spec.settings, router);
  try {
    info->setup(context);
  } catch (const SettingError& e) {
    throw config::ConfigError(refusal(spec, std::string("setup failed: ") + e.what()), e.key());
  } catch (const std::exception& e) {
    throw std::runtime_error(refusal(spec, std::string("setup failed: ") + e.what()));
  } catch (...) {
    throw std::runtime_error(refusal(spec, "setup failed with an exception that is not a std::exception"));
  }
}

PluginLibrary::PluginLibrary(PluginLibrary&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

PluginLibrary::~PluginLibrary() {
  if (handle_ != nullptr) {
    ::dlclose(handle_);
  }
}

// --- PluginContext's checks of a plugin's settings ---
// Here, in the daemon, because they write keys as its config errors do.

std::string PluginContext::setting_name(std::string_view key) const {
  return config::child_key(config::child_key("plugin", name_), key);
}

void PluginContext::refuse_setting(std::string_view key, const nlohmann::json& value,
                                   std::string_view expected) const {
  const std::string name = setting_name(key);
  throw SettingError(name + " = " + value.dump() + ": expected " + std::string(expected), name);
}

void PluginContext::allow_only(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : settings_.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view k : known) {
        names.append(names.empty() ? "" : ", ").append(k);
      }
      const std::string name = setting_name(key);
      throw SettingError("unknown key " + name + " (known: " + (names.empty() ? "none" : names) + ")", name);
    }
  }
}

}  // namespace brisk::server
