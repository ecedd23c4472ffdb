// Registers a route, then fails: the daemon must refuse to start and exit
// cleanly, with the route's code (in this library) still loaded while the
// router that holds it is destroyed.
#include <brisk/server/plugin.hpp>

#include <stdexcept>

namespace {

using brisk::Task;
using brisk::server::Request;
using brisk::server::Response;

void setup(brisk::server::PluginContext& ctx) {
  ctx.router().get("/half-done", [](Request&) -> Task<Response> { co_return Response::text("never\n"); });
  throw std::runtime_error("the database at db.invalid is unreachable");
}

}  // namespace

BRISK_PLUGIN(setup);
