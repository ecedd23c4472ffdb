#pragma once
// The demo routes brisk serves unless [server] demo = false. Each one shows
// one idea of the runtime over HTTP:
//
//   GET  /plaintext          "Hello, World!" (TechEmpower's plaintext test)
//   GET  /json               {"message":"Hello, World!"}, serialised per request
//   POST /echo               the body and its Content-Type back, streamed both ways
//   GET  /sleep?ms=N         an async sleep: thousands can wait at once
//   GET  /blocking?ms=N      a blocking sleep on the to_thread pool (503 when full)
//   GET  /fanout?n=N&ms=M    gather() of N sleeps, at most 8 at a time (Semaphore)
//   GET  /stream?n=N&ms=M    N chunks from a Generator, M ms apart
//   GET  /limited?ms=N       a route limited to 2 concurrent requests per worker,
//                            waiting 50 ms for a slot, else 503 with Retry-After
//   GET  /fail               a handler that throws: 500, an error log line, and
//                            the worker goes on serving
//
// Bad query values are answered 400 naming the parameter and its range.

#include <brisk/server/router.hpp>

namespace brisk::handlers {

void add_demo_routes(server::Router& router);

}  // namespace brisk::handlers
