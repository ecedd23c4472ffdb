// State a handler keeps between requests, two ways: /right/limited holds a
// Semaphore per worker (PluginContext::per_worker), as a plugin must;
// /wrong/limited shares one static Semaphore between the workers, the
// mistake the runtime stops with a message rather than a crash elsewhere.
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/plugin.hpp>

#include <chrono>

namespace {

using brisk::Task;
using brisk::server::Request;
using brisk::server::Response;

brisk::Semaphore& shared_by_every_worker() {
  static brisk::Semaphore permits(1);  // the mistake
  return permits;
}

Task<Response> hold(brisk::Semaphore& permits) {
  auto held = co_await permits.acquire();
  co_await brisk::sleep(std::chrono::milliseconds(2));
  co_return Response::text("done\n");
}

void setup(brisk::server::PluginContext& ctx) {
  auto per_worker = ctx.per_worker<brisk::Semaphore>(1);
  ctx.router().get("/right/limited", [per_worker](Request&) { return hold(per_worker->get()); });
  ctx.router().get("/wrong/limited", [](Request&) { return hold(shared_by_every_worker()); });
}

}  // namespace

BRISK_PLUGIN(setup);
