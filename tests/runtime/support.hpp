#pragma once
// Small pieces several runtime test files share.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/tcp.hpp>

namespace brisk::test {

// Awaits a task that is expected to end by cancellation; true when it did.
template <typename T>
Task<bool> ends_cancelled(JoinHandle<T>& h) {
  try {
    co_await h;
  } catch (const CancelledError&) {
    co_return true;
  }
  co_return false;
}

inline Task<TcpStream> accept_one(TcpListener* listener) { co_return co_await listener->accept(); }

}  // namespace brisk::test
