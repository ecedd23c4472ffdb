// The hello plugin: two routes, its own settings, and the runtime's timers
// from plugin code.
//
//   GET /hello/{name}               "<greeting>, <name>!"
//   GET /hello/{name}/later?ms=N    the same after an async sleep of N ms (0-10000)
//
//   [[plugins.load]]
//   path = "/path/to/libhello.so"
//   name = "hello"
//   [plugin.hello]
//   greeting = "Hello"    # the default
#include <brisk/runtime/timer.hpp>
#include <brisk/server/http_error.hpp>
#include <brisk/server/plugin.hpp>

#include <charconv>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using brisk::Task;
using brisk::server::HttpError;
using brisk::server::PluginContext;
using brisk::server::Request;
using brisk::server::Response;

// Settings are checked like brisk checks its own: an unknown key or a wrong
// type names the key, the value and what was expected, and nothing starts.
std::string greeting_from(const PluginContext& ctx) {
  const std::string section = "plugin." + ctx.name();
  std::string greeting = "Hello";
  for (const auto& [key, value] : ctx.settings().items()) {
    if (key != "greeting") {
      throw std::invalid_argument("unknown key " + section + "." + key + " (known: greeting)");
    }
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      throw std::invalid_argument(section + ".greeting = " + value.dump() + ": expected a non-empty string");
    }
    greeting = value.get<std::string>();
  }
  return greeting;
}

std::chrono::milliseconds delay_of(const Request& req) {
  auto text = req.query("ms").value_or("0");
  int ms = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms < 0 || ms > 10'000) {
    throw HttpError(400, "query parameter ms=" + text + ": expected an integer from 0 to 10000");
  }
  return std::chrono::milliseconds(ms);
}

void setup(PluginContext& ctx) {
  // Shared by every worker thread, and only read: see router.hpp.
  auto greeting = std::make_shared<const std::string>(greeting_from(ctx));
  ctx.router().get("/hello/{name}", [greeting](Request& req) -> Task<Response> {
    co_return Response::text(*greeting + ", " + std::string(req.param("name")) + "!\n");
  });
  ctx.router().get("/hello/{name}/later", [greeting](Request& req) -> Task<Response> {
    co_await brisk::sleep(delay_of(req));
    co_return Response::text(*greeting + ", " + std::string(req.param("name")) + ", at last!\n");
  });
  ctx.log(brisk::LogLevel::info, "greeting with \"" + *greeting + "\"");
}

}  // namespace

BRISK_PLUGIN(setup);
