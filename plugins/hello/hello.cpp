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
#include <brisk/server/plugin.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace {

using brisk::Task;
using brisk::server::PluginContext;
using brisk::server::Request;
using brisk::server::Response;

void setup(PluginContext& ctx) {
  // Checked like brisk's own settings: an unknown key or a wrong type names
  // the key, the value and what was expected, and the daemon does not start.
  ctx.allow_only({"greeting"});
  // Shared by every worker thread, and only read: see router.hpp.
  auto greeting = std::make_shared<const std::string>(ctx.setting<std::string>("greeting", "Hello"));
  ctx.router().get("/hello/{name}", [greeting](Request& req) -> Task<Response> {
    co_return Response::text(*greeting + ", " + std::string(req.param("name")) + "!\n");
  });
  ctx.router().get("/hello/{name}/later", [greeting](Request& req) -> Task<Response> {
    co_await brisk::sleep(std::chrono::milliseconds(req.query_int("ms", 0, 0, 10'000)));
    co_return Response::text(*greeting + ", " + std::string(req.param("name")) + ", at last!\n");
  });
  ctx.log(brisk::LogLevel::info, "greeting with \"" + *greeting + "\"");
}

}  // namespace

BRISK_PLUGIN(setup);
