#pragma once
// Plugin: a shared library that adds routes and middleware to brisk, built
// against the installed SDK:
//
//   # CMakeLists.txt
//   find_package(brisk REQUIRED)
//   brisk_add_plugin(hello hello.cpp)        # -> libhello.so
//
//   // hello.cpp
//   #include <brisk/server/plugin.hpp>
//   void setup(brisk::server::PluginContext& ctx) {
//     std::string greeting = ctx.settings().value("greeting", "Hello");
//     ctx.router().get("/hello/{name}", [greeting](Request& req) -> Task<Response> {
//       co_return Response::text(greeting + ", " + std::string(req.param("name")) + "!\n");
//     });
//   }
//   BRISK_PLUGIN(setup);
//
//   # brisk.toml
//   [[plugins.load]]
//   path = "/usr/local/lib/brisk/plugins/libhello.so"
//   name = "hello"
//   [plugin.hello]
//   greeting = "Hi"
//
// The daemon loads each [[plugins.load]] entry once at startup, in order,
// and calls its setup function with the plugin's name, its [plugin.<name>]
// section as JSON, and the router every worker serves. Setup registers what
// it needs (Router::get/post/..., Router::use for middleware, which wraps
// every route of the server, not only the plugin's) and returns; a setup that
// throws stops the daemon from starting, with the exception's message in the
// log. Handlers then run on every worker thread at once, as router.hpp says.
//
// Compatibility: a plugin runs brisk's code (the runtime, Request, Response)
// from the daemon itself, so it must be built against the very SDK of the
// brisk that loads it: same version, same headers, same compiler and
// nlohmann_json (BRISK_SDK_BUILD; `brisk --version` prints it). The loader
// refuses any other, and one built for another plugin interface, and says
// why. `brisk --check-config` checks the file, not the plugins: loading
// runs their code.

#include <brisk/runtime/log.hpp>
#include <brisk/server/router.hpp>
#include <brisk/version.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace brisk::server {

// The layout of PluginInfo and the meaning of its fields. It changes only if
// they do; a change of anything else a plugin compiles against changes
// BRISK_SDK_BUILD.
inline constexpr std::uint32_t plugin_interface = 1;

// The name under which a plugin exports its PluginInfo (BRISK_PLUGIN).
inline constexpr char plugin_symbol[] = "brisk_plugin";

// What setup() gets. Valid during setup only; the settings object itself
// lives as long as the daemon, so handlers may keep a reference to it.
class PluginContext {
 public:
  PluginContext(std::string name, const nlohmann::json& settings, Router& router)
      : name_(std::move(name)), settings_(settings), router_(router) {}

  // The name given in [[plugins.load]], which names its settings' section.
  const std::string& name() const noexcept { return name_; }
  // [plugin.<name>] as a JSON object, empty when the file has none. A setting
  // of the wrong type or range deserves an exception naming it.
  const nlohmann::json& settings() const noexcept { return settings_; }
  Router& router() const noexcept { return router_; }
  // A line in the daemon's error log, prefixed with "plugin <name>: ".
  void log(LogLevel level, std::string_view message) const {
    brisk::log(level, "plugin " + name_ + ": " + std::string(message));
  }

 private:
  std::string name_;
  const nlohmann::json& settings_;
  Router& router_;
};

// What a plugin exports: plain data, whose first two fields stay where they
// are in every interface, so the loader can tell any plugin why it refuses.
struct PluginInfo {
  std::uint32_t interface;  // plugin_interface of the SDK it was built with
  const char* sdk_build;    // BRISK_SDK_BUILD of that SDK
  void (*setup)(PluginContext&);
};

}  // namespace brisk::server

// Exports `setup_function`, a void(brisk::server::PluginContext&), as this
// library's plugin. Once per plugin, at namespace scope.
#define BRISK_PLUGIN(setup_function)                                                          \
  extern "C" [[gnu::visibility("default"), gnu::used]] const ::brisk::server::PluginInfo     \
      brisk_plugin {                                                                          \
    ::brisk::server::plugin_interface, BRISK_SDK_BUILD, &(setup_function)                     \
  }
