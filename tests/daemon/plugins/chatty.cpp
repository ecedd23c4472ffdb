// A plugin whose setup and teardown print to stdout, as a careless one
// might: `brisk --check-config` must keep its own stdout, the configuration
// as TOML, free of it.
#include <brisk/server/plugin.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace {

using brisk::Task;
using brisk::server::Request;
using brisk::server::Response;

// Prints when the route holding it goes, with the router.
struct Farewell {
  ~Farewell() { std::printf("chatty: goodbye from printf\n"); }
};

Task<Response> chatty(std::shared_ptr<const Farewell>, Request&) { co_return Response::text("chatty\n"); }

void setup(brisk::server::PluginContext& ctx) {
  std::cout << "chatty: hello from std::cout" << std::endl;
  std::printf("chatty: hello from printf\n");
  auto farewell = std::make_shared<const Farewell>();
  ctx.router().get("/chatty", [farewell](Request& req) { return chatty(farewell, req); });
}

}  // namespace

BRISK_PLUGIN(setup);
