// Registers a path the daemon already serves.
#include <brisk/server/plugin.hpp>

namespace {

using brisk::Task;
using brisk::server::Request;
using brisk::server::Response;

void setup(brisk::server::PluginContext& ctx) {
  ctx.router().get(ctx.setting<std::string>("path", "/healthz"),
                   [](Request&) -> Task<Response> { co_return Response::text("mine\n"); });
}

}  // namespace

BRISK_PLUGIN(setup);
