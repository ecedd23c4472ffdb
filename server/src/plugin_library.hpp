#pragma once
// PluginLibrary: one loaded plugin, from dlopen to dlclose; the daemon's side
// of plugin.hpp (plugin_library.cpp also defines PluginContext's checks of a
// plugin's settings, which write keys as the config's errors do).
//
// The library stays loaded as long as this object: the routes its setup
// registered point into its code, so it must outlive the router that holds
// them (App declares its plugins before its router). A library whose setup
// failed is never closed, for the same reason.

#include <brisk/config/config.hpp>
#include <brisk/server/router.hpp>

namespace brisk::server {

class PluginLibrary {
 public:
  // Loads `spec.path`, checks that it is a plugin for this brisk, and runs its
  // setup on `router`. Throws saying which plugin and why: config::ConfigError
  // when the configuration is at fault (the library cannot be loaded, by
  // dlerror, e.g. a missing file or a symbol this brisk does not have; it is
  // not a brisk plugin; it was built for another plugin interface or brisk
  // version; its setup refused a setting), std::runtime_error when its setup
  // threw anything else.
  PluginLibrary(const config::PluginSpec& spec, Router& router);
  ~PluginLibrary();
  PluginLibrary(PluginLibrary&& other) noexcept;
  PluginLibrary& operator=(PluginLibrary&&) = delete;
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

 private:
  void* handle_;
};

}  // namespace brisk::server
