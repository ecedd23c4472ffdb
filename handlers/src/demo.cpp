#include <brisk/handlers/demo.hpp>
#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timer.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <chrono>
#include <thread>

namespace brisk::handlers {
namespace {

using server::BodyMode;
using server::Request;
using server::Response;
using namespace std::chrono_literals;

Task<Response> plaintext(Request&) { co_return Response::text("Hello, World!"); }

Task<Response> json(Request&) {
  // A new object per request, serialised per request (TechEmpower's rules).
  // Built by assignment: an initializer list would build and copy a
  // temporary array first.
  nlohmann::json message;
  message["message"] = "Hello, World!";
  co_return Response::json(message);
}

Generator<std::string> echo_body(Request& req) {
  auto body = req.body_chunks();
  while (auto chunk = co_await body.next()) {
    co_yield std::move(*chunk);
  }
}

Task<Response> echo(Request& req) {
  std::string type(req.header("Content-Type").value_or("application/octet-stream"));
  Response r = Response::stream(echo_body(req), type);
  // A body whose length is known goes back with that length, not chunked.
  if (auto length = req.head().content_length) {
    r.headers().set("Content-Length", std::to_string(*length));
  }
  co_return r;
}

Task<Response> sleep_route(Request& req) {
  long ms = req.query_int("ms", 100, 0, 60'000);
  co_await sleep(std::chrono::milliseconds(ms));
  co_return Response::text("slept " + std::to_string(ms) + " ms\n");
}

Task<Response> blocking(Request& req) {
  long ms = req.query_int("ms", 100, 0, 60'000);
  // OverloadedError (the pool's queue is full) becomes a 503 in the server.
  co_await to_thread([ms] { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); });
  co_return Response::text("blocked a pool thread for " + std::to_string(ms) + " ms\n");
}

Task<long> one_sleep(Semaphore& slots, long ms) {
  auto permit = co_await slots.acquire();
  co_await sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

Task<Response> fanout(Request& req) {
  long n = req.query_int("n", 10, 0, 1000);
  long ms = req.query_int("ms", 10, 0, 10'000);
  constexpr std::size_t concurrency = 8;
  Semaphore slots(concurrency);
  std::vector<Task<long>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    tasks.push_back(one_sleep(slots, ms));
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<long> slept = co_await gather(std::move(tasks));
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  long total = 0;
  for (long s : slept) {
    total += s;
  }
  co_return Response::json({{"tasks", n},
                            {"ms_each", ms},
                            {"concurrency", concurrency},
                            {"slept_ms_total", total},
                            {"elapsed_ms", elapsed}});
}

Generator<std::string> count_to(long n, long ms) {
  for (long i = 1; i <= n; ++i) {
    if (ms > 0 && i > 1) {
      co_await sleep(std::chrono::milliseconds(ms));
    }
    co_yield "chunk " + std::to_string(i) + "\n";
  }
}

Task<Response> stream(Request& req) {
  long n = req.query_int("n", 10, 0, 100'000);
  long ms = req.query_int("ms", 0, 0, 10'000);
  co_return Response::stream(count_to(n, ms), "text/plain; charset=utf-8");
}

Task<Response> limited(Request& req) {
  long ms = req.query_int("ms", 100, 0, 60'000);
  co_await sleep(std::chrono::milliseconds(ms));
  co_return Response::text("done after " + std::to_string(ms) + " ms\n");
}

Task<Response> fail(Request&) {
  throw std::runtime_error("the /fail demo route always throws");
  co_return Response::status(204);  // never reached; makes this a coroutine
}

}  // namespace

void add_demo_routes(server::Router& router) {
  router.get("/plaintext", plaintext);
  router.get("/json", json);
  server::RouteOptions streamed;
  streamed.body = BodyMode::streamed;
  router.post("/echo", echo, streamed);
  router.get("/sleep", sleep_route);
  router.get("/blocking", blocking);
  router.get("/fanout", fanout);
  router.get("/stream", stream);
  router.get("/limited", limited);
  router.limit("/limited", {.concurrency = 2, .wait = 50ms});
  router.get("/fail", fail);
}

}  // namespace brisk::handlers
