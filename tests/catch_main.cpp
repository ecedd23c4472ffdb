// The test runner, with one setting from the environment: the runtime's TCP
// and connection suites run a second time with edge-triggered reads off
// (tests/*/CMakeLists.txt), as the daemon's server.edge_triggered = false
// would run them.
#define CATCH_CONFIG_RUNNER
#include <brisk/runtime/tcp.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string_view>

int main(int argc, char* argv[]) {
  const char* edge = std::getenv("BRISK_SERVER_EDGE_TRIGGERED");
  if (edge != nullptr && std::string_view(edge) == "false") {
    brisk::set_edge_triggered(false);
  }
  return Catch::Session().run(argc, argv);
}
