// Middleware from a plugin: every response of the server, the daemon's own
// routes and 404s included, carries X-Stamp (its value from the settings).
#include <brisk/server/plugin.hpp>

#include <memory>
#include <string>

namespace {

using brisk::Task;
using brisk::server::Next;
using brisk::server::Request;
using brisk::server::Response;

Task<Response> stamped(std::shared_ptr<const std::string> stamp, Request& req, Next next) {
  Response response = co_await next(req);
  response.headers().set("X-Stamp", *stamp);
  co_return response;
}

void setup(brisk::server::PluginContext& ctx) {
  auto stamp = std::make_shared<const std::string>(ctx.setting<std::string>("stamp", ctx.name()));
  ctx.router().use([stamp](Request& req, Next next) { return stamped(stamp, req, std::move(next)); });
}

}  // namespace

BRISK_PLUGIN(setup);
