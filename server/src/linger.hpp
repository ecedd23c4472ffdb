#pragma once
// Closing a connection without losing the last response.
//
// Closing a socket with unread bytes in it answers them with a RST, which can
// destroy a response still in the client's receive buffer before it is read
// (a 400 to a request with more behind it, a 503 to a refused connection).
// So: send FIN, then read and drop what the client still sends, until it
// closes its side, `max_dropped` bytes, or `within` has passed, whichever is
// first. The caller closes the stream afterwards.

#include <brisk/runtime/task.hpp>
#include <brisk/runtime/tcp.hpp>

#include <chrono>
#include <cstddef>

namespace brisk::server {

// Never throws but CancelledError (the calling task's own cancellation).
Task<void> linger_close(TcpStream& stream, std::chrono::milliseconds within, std::size_t max_dropped);

}  // namespace brisk::server
