// GET /tour: one handler that uses the runtime's main pieces from plugin code
// (spawn, gather, to_thread, wait_for), all of them running on the daemon's
// loops and thread pool.
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/plugin.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

namespace {

using brisk::Task;
using brisk::server::Request;
using brisk::server::Response;
using namespace std::chrono_literals;

Task<int> nap(int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

Task<Response> tour(Request&) {
  auto spawned = brisk::spawn(nap(20), "tour-nap");
  auto [first, second] = co_await brisk::gather(nap(10), nap(30));
  const int joined = co_await spawned;
  const auto here = std::this_thread::get_id();
  const auto there = co_await brisk::to_thread([] { return std::this_thread::get_id(); });
  bool timed_out = false;
  try {
    co_await brisk::wait_for(10ms, nap(5000));
  } catch (const brisk::TimeoutError&) {
    timed_out = true;
  }
  nlohmann::json summary;
  summary["gather"] = {first, second};
  summary["spawned"] = joined;
  summary["to_thread_elsewhere"] = there != here;
  summary["timed_out"] = timed_out;
  // with_header() is a ref-qualified member: a kind of symbol the daemon
  // once failed to export.
  co_return Response::json(summary).with_header("X-Tour", "yes");
}

void setup(brisk::server::PluginContext& ctx) { ctx.router().get("/tour", tour); }

}  // namespace

BRISK_PLUGIN(setup);
