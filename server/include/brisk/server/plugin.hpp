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
//     ctx.allow_only({"greeting"});
//     auto greeting = ctx.setting<std::string>("greeting", "Hello");
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
// The daemon loads each [[plugins.load]] entry once at startup, in order
// (one path under two names is one library, set up twice), and calls its
// setup function with the plugin's name, its [plugin.<name>] section as
// JSON, and the router every worker serves. Setup registers what it needs
// (Router::get/post/..., Router::use for middleware, which wraps every route
// of the server, not only the plugin's) and returns; a setup that throws
// stops the daemon from starting, with the exception's message in the log
// (exit status 2 when it was a refused setting, from setting(),
// allow_only() or refuse_setting(), as for any configuration mistake; 1
// otherwise).
// Handlers then run on every worker thread at once, as router.hpp says.
//
// Compatibility: a plugin runs brisk's code (the runtime, Request, Response)
// from the daemon itself, so it must be built against the very SDK of the
// brisk that loads it: same version, same headers, same compiler,
// nlohmann_json and libuv. The SDK's CMake package refuses another compiler
// or library version; the loader compares BRISK_SDK_BUILD (`brisk --version`
// prints it) and the plugin interface, and says why it refuses.
// `brisk --check-config` loads the plugins and runs their setup as a start
// does, without listening, so it reports every refusal a start would.

#include <brisk/runtime/log.hpp>
#include <brisk/server/per_worker.hpp>
#include <brisk/server/router.hpp>
#include <brisk/version.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
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
  // [plugin.<name>] as a JSON object, empty when the file has none.
  const nlohmann::json& settings() const noexcept { return settings_; }
  Router& router() const noexcept { return router_; }

  // One T per worker thread, made on it from `args` when first asked for:
  // how a plugin keeps a loop-bound primitive (a Semaphore, a Queue...) or a
  // cache without sharing it across threads (per_worker.hpp). Capture the
  // pointer by value in the handlers.
  template <typename T, typename... Args>
  std::shared_ptr<PerWorker<T, std::decay_t<Args>...>> per_worker(Args&&... args) const {
    return std::make_shared<PerWorker<T, std::decay_t<Args>...>>(std::forward<Args>(args)...);
  }

  // The setting `key` of [plugin.<name>] as a T (std::string, bool, an
  // integer type other than a character, float or double), `fallback` when
  // the section lacks it. A value of another type, or a number out of T's
  // range, throws std::invalid_argument naming the key, the value (as JSON)
  // and what was expected, in one line like brisk's own config errors:
  //   plugin.hello.greeting = 5: expected a string
  // (A TOML date or time arrives as a string; a table or an array is read
  // from settings() itself.)
  template <typename T>
  T setting(std::string_view key, T fallback) const;
  // Throws std::invalid_argument for a key of [plugin.<name>] not in
  // `known` (the section's own keys, not those of its sub-tables): as with
  // brisk's own keys, a typo must not go unnoticed.
  void allow_only(std::initializer_list<std::string_view> known) const;
  // A line in the daemon's error log, prefixed with "plugin <name>: ".
  void log(LogLevel level, std::string_view message) const {
    brisk::log(level, "plugin " + name_ + ": " + std::string(message));
  }
  // Refuses the setting `key` = `value` as setting() does, for the checks a
  // plugin makes itself (a table, an array, a value out of its own range):
  //   if (auto it = ctx.settings().find("routes"); it != ctx.settings().end() && !it->is_array())
  //     ctx.refuse_setting("routes", *it, "an array of paths");
  // throws std::invalid_argument "plugin.<name>.routes = ...: expected an
  // array of paths". The daemon then exits 2, as for its own keys.
  [[noreturn]] void refuse_setting(std::string_view key, const nlohmann::json& value,
                                   std::string_view expected) const;

 private:
  // "plugin.<name>.<key>", the key quoted unless it is bare.
  std::string setting_name(std::string_view key) const;

  std::string name_;
  const nlohmann::json& settings_;
  Router& router_;
};

namespace detail {
template <typename T>
inline constexpr bool is_character = std::is_same_v<T, char> || std::is_same_v<T, wchar_t> ||
                                     std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
                                     std::is_same_v<T, char32_t>;
}  // namespace detail

template <typename T>
T PluginContext::setting(std::string_view key, T fallback) const {
  const auto found = settings_.find(std::string(key));
  if (found == settings_.end()) {
    return fallback;
  }
  const nlohmann::json& value = *found;
  if constexpr (std::is_same_v<T, bool>) {
    if (value.is_boolean()) {
      return value.get<bool>();
    }
    refuse_setting(key, value, "true or false");
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(!detail::is_character<T>, "setting<T>: read a character as a std::string");
    if (value.is_number_unsigned() ? std::in_range<T>(value.get<std::uint64_t>())
                                   : value.is_number_integer() && std::in_range<T>(value.get<std::int64_t>())) {
      return value.get<T>();
    }
    refuse_setting(key, value,
                   "an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                       std::to_string(std::numeric_limits<T>::max()));
  } else if constexpr (std::is_floating_point_v<T>) {
    // Infinity and NaN pass: TOML has them, and a plugin may mean "no limit".
    if (value.is_number() && !(std::abs(value.get<double>()) > std::numeric_limits<T>::max() &&
                               std::isfinite(value.get<double>()))) {
      return value.get<T>();
    }
    refuse_setting(key, value, std::is_same_v<T, float> ? "a number within float's range" : "a number");
  } else {
    static_assert(std::is_same_v<T, std::string>, "setting<T>: std::string, bool, an integer or a floating-point type");
    if (value.is_string()) {
      return value.get<std::string>();
    }
    refuse_setting(key, value, "a string");
  }
}

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
