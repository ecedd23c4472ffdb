#include "linger.hpp"

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/timeout.hpp>

namespace brisk::server {
namespace {

Task<void> drop_until_end(TcpStream& stream, std::size_t max_dropped) {
  for (std::size_t dropped = 0; dropped < max_dropped;) {
    std::string_view data = co_await stream.read();
    if (data.empty()) {
      co_return;
    }
    dropped += data.size();
  }
}

}  // namespace

Task<void> linger_close(TcpStream& stream, std::chrono::milliseconds within, std::size_t max_dropped) {
  try {
    co_await stream.shutdown();
    co_await wait_for(within, drop_until_end(stream, max_dropped));
  } catch (const UvError&) {
    // The client is gone already.
  } catch (const TimeoutError&) {
    // It kept its side open: closed now.
  }
}

}  // namespace brisk::server
