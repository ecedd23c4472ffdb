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

[[noreturn]] void refuse(const config::PluginSpec& spec, const std::string& why) {
  throw std::runtime_error("plugin " + spec.name + " (" + spec.path + "): " + why);
}

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
  PluginContext context(spec.name, spec.settings, router);
  try {
    info->setup(context);
  } catch (const std::exception& e) {
    refuse(spec, std::string("setup failed: ") + e.what());
  } catch (...) {
    refuse(spec, "setup failed with an exception that is not a std::exception");
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
