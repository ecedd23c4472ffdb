// In-process integration: a real Worker (listener, connections, router) on
// this thread's loop, and clients on real sockets in the same loop.

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/app.hpp>
#include <brisk/server/worker.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using brisk::Task;
using brisk::TcpStream;
using namespace brisk::server;

brisk::config::Config test_config() {
  brisk::config::Config c;
  c.server.listen = {"127.0.0.1", 0};
  c.server.workers = 1;
  c.server.demo = false;
  c.log.access = false;
  return c;
}

struct Reply {
  int status = 0;
  std::string head;
  std::string body;
};

// Reads one response with a Content-Length body off `s`, keeping what
// follows it in `buffer`.
Task<Reply> read_reply(TcpStream& s, std::string& buffer) {
  for (;;) {
    auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      Reply r;
      r.head = buffer.substr(0, end + 2);
      r.status = std::stoi(r.head.substr(9, 3));
      std::size_t length = 0;
      if (auto at = r.head.find("Content-Length: "); at != std::string::npos) {
        length = std::stoul(r.head.substr(at + 16));
      }
      while (buffer.size() < end + 4 + length) {
        std::string_view more = co_await s.read();
        if (more.empty()) {
          throw std::runtime_error("closed inside a body");
        }
        buffer.append(more);
      }
      r.body = buffer.substr(end + 4, length);
      buffer.erase(0, end + 4 + length);
      co_return r;
    }
    std::string_view more = co_await s.read();
    if (more.empty()) {
      throw std::runtime_error("closed before a response: " + buffer);
    }
    buffer.append(more);
  }
}

// Runs `body` against a worker serving `routes` (on top of health and
// metrics), then drains the worker.
void with_server(const std::function<void(Router&)>& routes,
                 const std::function<Task<void>(Worker&)>& body,
                 const std::function<void(brisk::config::Config&)>& tweak = {}) {
  auto config = test_config();
  if (tweak) {
    tweak(config);
  }
  App app(config, nullptr, routes);
  WorkerMetrics& metrics = app.metrics().add_worker();
  brisk::run([](App& a, WorkerMetrics& m, const std::function<Task<void>(Worker&)>& b) -> Task<void> {
    brisk::ThreadEvent drain;
    brisk::ThreadEvent force;
    Worker worker(a, m, 0, 100);
    auto serving = brisk::spawn(worker.run(drain, force, [](std::exception_ptr e) {
      if (e) {
        std::rethrow_exception(e);
      }
    }));
    while (worker.port() == 0) {
      co_await brisk::sleep(1ms);
    }
    // A failed check ends the body early: the worker, which waits on
    // `drain` in this frame, is still drained before the frame goes.
    std::exception_ptr failed;
    try {
      co_await b(worker);
    } catch (...) {
      failed = std::current_exception();
    }
    drain.set();
    co_await serving;
    if (failed) {
      std::rethrow_exception(failed);
    }
  }(app, metrics, body));
}

Task<TcpStream> connect(Worker& w) { co_return co_await TcpStream::connect("127.0.0.1", w.port()); }

// Everything `s` receives until the server closes.
Task<std::string> read_to_end(TcpStream& s) {
  std::string all;
  for (;;) {
    std::string_view more = co_await s.read();
    if (more.empty()) {
      co_return all;
    }
    all.append(more);
  }
}

// Captures the runtime's log lines for the duration of a test.
struct LogCapture {
  LogCapture() {
    brisk::set_log_sink([this](brisk::LogLevel, std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    });
  }
  ~LogCapture() { brisk::set_log_sink(nullptr); }
  bool contains(std::string_view text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::mutex mutex;
  std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("a handler that throws is a 500 and a log line, and the connection goes on", "[connection]") {
  LogCapture log;
  with_server(
      [](Router& r) {
        r.get("/boom", [](Request&) -> Task<Response> {
          throw std::runtime_error("kaboom");
          co_return Response::status(204);
        });
        r.get("/ok", [](Request&) -> Task<Response> { co_return Response::text("fine"); });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        co_await c.write("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply a = co_await read_reply(c, buffer);
        co_await c.write("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply b = co_await read_reply(c, buffer);
        REQUIRE(a.status == 500);
        REQUIRE(b.status == 200);
        REQUIRE(b.body == "fine");
      });
  REQUIRE(log.contains("GET /boom: handler failed: kaboom"));
}

TEST_CASE("pipelined requests are answered in order, in one batch", "[connection]") {
  with_server(
      [](Router& r) {
        r.get("/n/{n}", [](Request& req) -> Task<Response> {
          // An uneven delay: a later request finishing first must not jump the queue.
          if (req.param("n") == "1") {
            co_await brisk::sleep(20ms);
          }
          co_return Response::text(std::string(req.param("n")));
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string all;
        for (int i = 0; i < 5; ++i) {
          all += "GET /n/" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
        }
        co_await c.write(all);
        std::string buffer;
        std::string order;
        for (int i = 0; i < 5; ++i) {
          Reply r = co_await read_reply(c, buffer);
          order += r.body;
        }
        REQUIRE(order == "01234");
      });
}

TEST_CASE("a client that hangs up cancels its handler", "[connection]") {
  bool cancelled = false;
  with_server(
      [&cancelled](Router& r) {
        r.get("/wait", [&cancelled](Request&) -> Task<Response> {
          try {
            co_await brisk::sleep(10s);
          } catch (const brisk::CancelledError&) {
            cancelled = true;
            throw;
          }
          co_return Response::text("too late");
        });
      },
      [&cancelled](Worker& w) -> Task<void> {
        {
          TcpStream c = co_await connect(w);
          co_await c.write("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
          co_await brisk::sleep(50ms);
        }  // closed here
        for (int i = 0; i < 200 && !cancelled; ++i) {
          co_await brisk::sleep(5ms);
        }
        REQUIRE(cancelled);
      });
}

TEST_CASE("what a closed connection left unsent never reaches the next one", "[connection]") {
  // The parser, Request and output batch are lent to busy connections and
  // reused: a connection that dies with a response still batched must not
  // hand it to whoever gets its buffers next.
  with_server(
      [](Router& r) {
        r.get("/fast", [](Request&) -> Task<Response> { co_return Response::text("fast"); });
        r.get("/slow", [](Request&) -> Task<Response> {
          co_await brisk::sleep(10s);
          co_return Response::text("slow");
        });
      },
      [](Worker& w) -> Task<void> {
        {
          TcpStream c = co_await connect(w);
          // /fast's answer waits in the batch while /slow runs; then the client leaves.
          co_await c.write("GET /fast HTTP/1.1\r\nHost: t\r\n\r\nGET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
          co_await brisk::sleep(50ms);
        }
        co_await brisk::sleep(50ms);
        TcpStream d = co_await connect(w);
        co_await d.write("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
        std::string buffer;
        Reply r = co_await read_reply(d, buffer);
        co_await brisk::sleep(20ms);
        REQUIRE(r.status == 200);
        REQUIRE(r.body == "fast");
        REQUIRE(buffer.empty());
      });
}

TEST_CASE("a handler past handler_ms is cancelled and answered 503", "[connection]") {
  with_server(
      [](Router& r) {
        r.get("/slow", [](Request&) -> Task<Response> {
          co_await brisk::sleep(10s);
          co_return Response::text("slow");
        });
        r.get("/ok", [](Request&) -> Task<Response> { co_return Response::text("ok"); });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        auto start = std::chrono::steady_clock::now();
        co_await c.write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply a = co_await read_reply(c, buffer);
        auto took = std::chrono::steady_clock::now() - start;
        co_await c.write("GET /ok HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply b = co_await read_reply(c, buffer);
        REQUIRE(a.status == 503);
        REQUIRE(took >= 90ms);
        REQUIRE(took < 2s);
        REQUIRE(b.status == 200);
      },
      [](brisk::config::Config& c) { c.timeouts.handler_ms = 100ms; });
}

TEST_CASE("handler_ms counts from the handler's start, after a busy handler on the same worker", "[connection]") {
  // Pipelined: /nap is parsed and started in the same turn of the loop, right
  // after /busy kept the loop for 300 ms. Counted from the turn's start, its
  // 200 ms would be gone before it began.
  with_server(
      [](Router& r) {
        r.get("/busy", [](Request&) -> Task<Response> {
          const auto until = std::chrono::steady_clock::now() + 300ms;
          while (std::chrono::steady_clock::now() < until) {
          }
          co_return Response::text("busy");
        });
        r.get("/nap", [](Request&) -> Task<Response> {
          co_await brisk::sleep(50ms);
          co_return Response::text("nap");
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        co_await c.write("GET /busy HTTP/1.1\r\nHost: t\r\n\r\nGET /nap HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply a = co_await read_reply(c, buffer);
        Reply b = co_await read_reply(c, buffer);
        REQUIRE(a.status == 200);
        REQUIRE(b.status == 200);
        REQUIRE(b.body == "nap");
      },
      [](brisk::config::Config& c) { c.timeouts.handler_ms = 200ms; });
}

TEST_CASE("a handler that does not return when cancelled at handler_ms is answered 503 without it",
          "[connection]") {
  // A to_thread job cannot be interrupted, so the cancelled handler waits
  // for it; its client does not.
  LogCapture log;
  auto blocked = [](Request&) -> Task<Response> {
    co_await brisk::to_thread([] { std::this_thread::sleep_for(1500ms); });
    co_return Response::text("too late");
  };
  auto blocked_stream = [](Request&) -> Task<Response> {
    co_return Response::stream([]() -> brisk::Generator<std::string> {
      co_await brisk::to_thread([] { std::this_thread::sleep_for(1500ms); });
      co_yield "too late";
    }(), "text/plain");
  };
  with_server(
      [&](Router& r) {
        r.get("/fast", [](Request&) -> Task<Response> { co_return Response::text("fast"); });
        r.get("/blocked", blocked);
        r.get("/blocked-stream", blocked_stream);
      },
      [](Worker& w) -> Task<void> {
        auto expect_late_answer = [](Worker& server, std::string path) -> Task<void> {
          TcpStream c = co_await connect(server);
          std::string buffer;
          const auto start = std::chrono::steady_clock::now();
          // /fast's answer is batched when the deadline comes: it goes first.
          co_await c.write("GET /fast HTTP/1.1\r\nHost: t\r\n\r\nGET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
          Reply a = co_await read_reply(c, buffer);
          Reply b = co_await read_reply(c, buffer);
          const auto answered = std::chrono::steady_clock::now() - start;
          REQUIRE(a.body == "fast");
          REQUIRE(b.status == 503);
          REQUIRE(b.head.find("Connection: close\r\n") != std::string::npos);
          REQUIRE(answered >= 100ms);
          REQUIRE(answered < 1300ms);  // handler_ms and the grace, not the 1.5 s job
          // The connection ends when the handler has returned, and not before.
          std::string_view rest = co_await c.read();
          REQUIRE(rest.empty());
          REQUIRE(buffer.empty());
          REQUIRE(std::chrono::steady_clock::now() - start >= 1400ms);
        };
        auto plain = brisk::spawn(expect_late_answer(w, "/blocked"));
        auto stream = brisk::spawn(expect_late_answer(w, "/blocked-stream"));
        co_await plain;
        co_await stream;
      },
      [](brisk::config::Config& c) { c.timeouts.handler_ms = 100ms; });
  REQUIRE(log.contains("GET /blocked: no response within handler_ms, and the handler did not return when cancelled"));
  REQUIRE(log.contains("GET /blocked-stream: no response within handler_ms, and the handler did not return"));
}

TEST_CASE("a stream that stalls after its head in a job that cannot be interrupted is cut at handler_ms",
          "[connection]") {
  LogCapture log;
  with_server(
      [](Router& r) {
        r.get("/stalls", [](Request&) -> Task<Response> {
          co_return Response::stream([]() -> brisk::Generator<std::string> {
            co_yield "first";
            co_await brisk::to_thread([] { std::this_thread::sleep_for(1500ms); });
            co_yield "too late";
          }(), "text/plain");
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        const auto start = std::chrono::steady_clock::now();
        co_await c.write("GET /stalls HTTP/1.1\r\nHost: t\r\n\r\n");
        const std::string all = co_await read_to_end(c);
        const auto took = std::chrono::steady_clock::now() - start;
        REQUIRE(all.find("\r\n5\r\nfirst\r\n") != std::string::npos);
        REQUIRE(all.find("too late") == std::string::npos);
        REQUIRE(all.find("\r\n0\r\n\r\n") == std::string::npos);  // cut: no last chunk
        REQUIRE(took >= 100ms);
        REQUIRE(took < 1300ms);  // handler_ms and the grace, not the 1.5 s job
      },
      [](brisk::config::Config& c) { c.timeouts.handler_ms = 100ms; });
  REQUIRE(log.contains("GET /stalls: response stream stalled past handler_ms, and its generator did not return"));
}

TEST_CASE("a late 503 that the client does not take is given up after write_ms", "[connection]") {
  const std::string big(32 << 20, 'x');  // under write_high_water, over what loopback buffers hold
  with_server(
      [&big](Router& r) {
        r.get("/big", [&big](Request&) -> Task<Response> { co_return Response::text(big); });
        r.get("/blocked", [](Request&) -> Task<Response> {
          co_await brisk::to_thread([] { std::this_thread::sleep_for(300ms); });
          co_return Response::text("too late");
        });
      },
      [](Worker& w) -> Task<void> {
        auto open = [&w] { return w.metrics().connections_open.load(); };
        const auto start = std::chrono::steady_clock::now();
        TcpStream c = co_await connect(w);
        // /big's answer waits in the batch while /blocked runs; the late 503
        // sends both, and the client reads nothing.
        co_await c.write("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /blocked HTTP/1.1\r\nHost: t\r\n\r\n");
        for (int i = 0; i < 1000 && open() == 0; ++i) {
          co_await brisk::sleep(1ms);
        }
        REQUIRE(open() == 1);
        for (int i = 0; i < 150 && open() > 0; ++i) {
          co_await brisk::sleep(20ms);
        }
        // Closed once the handler returned (300 ms) and write_ms (200 ms)
        // passed, not held until the client reads.
        REQUIRE(open() == 0);
        REQUIRE(std::chrono::steady_clock::now() - start >= 300ms);
      },
      [](brisk::config::Config& c) {
        c.timeouts.handler_ms = 100ms;
        c.timeouts.write_ms = 200ms;
        c.limits.write_high_water = 64 << 20;
      });
}

TEST_CASE("middleware wraps every answer, 404 included", "[connection]") {
  with_server(
      [](Router& r) {
        r.use([](Request& req, Next next) -> Task<Response> {
          Response resp = co_await next(req);
          resp.headers().add("X-Seen", req.path());
          co_return resp;
        });
        r.get("/users/{id}", [](Request& req) -> Task<Response> {
          co_return Response::json({{"id", req.param("id")}});
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        co_await c.write("GET /users/42 HTTP/1.1\r\nHost: t\r\n\r\nGET /nobody HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply a = co_await read_reply(c, buffer);
        Reply b = co_await read_reply(c, buffer);
        REQUIRE(a.status == 200);
        REQUIRE(a.body == R"({"id":"42"})");
        REQUIRE(a.head.find("X-Seen: /users/42\r\n") != std::string::npos);
        REQUIRE(b.status == 404);
        REQUIRE(b.head.find("X-Seen: /nobody\r\n") != std::string::npos);
      });
}

TEST_CASE("a bad JSON body is a 400 that says where", "[connection]") {
  with_server(
      [](Router& r) {
        r.post("/items", [](Request& req) -> Task<Response> {
          auto item = req.json();
          co_return Response::json(item, 201);
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        co_await c.write("POST /items HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\n{\"a\": 1,}");
        Reply bad = co_await read_reply(c, buffer);
        co_await c.write("POST /items HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n{\"a\": 1}");
        Reply good = co_await read_reply(c, buffer);
        REQUIRE(bad.status == 400);
        REQUIRE(bad.body.find("invalid JSON body") != std::string::npos);
        REQUIRE(bad.body.find("at byte 9") != std::string::npos);
        REQUIRE(good.status == 201);
        REQUIRE(good.body == R"({"a":1})");
      });
}

TEST_CASE("bytes after a streamed body are this client's, even when its handler then waits", "[connection]") {
  // The next pipelined request arrives in the same read as the end of a
  // streamed body; the handler sleeps while another client's bytes pass
  // through the loop's shared read buffer.
  with_server(
      [](Router& r) {
        RouteOptions streamed;
        streamed.body = BodyMode::streamed;
        r.post("/upload", [](Request& req) -> Task<Response> {
          std::string all;
          auto body = req.body_chunks();
          while (auto piece = co_await body.next()) {
            all += *piece;
          }
          co_await brisk::sleep(100ms);
          co_return Response::text(all);
        }, streamed);
        r.get("/who/{name}", [](Request& req) -> Task<Response> {
          co_return Response::text(std::string(req.param("name")));
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream a = co_await connect(w);
        TcpStream b = co_await connect(w);
        co_await a.write("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                         "GET /who/AAAAAAAA HTTP/1.1\r\nHost: t\r\n\r\n");
        co_await brisk::sleep(30ms);
        co_await b.write("GET /who/BBBBBBBB HTTP/1.1\r\nHost: t\r\n\r\n");
        std::string bbuf;
        Reply rb = co_await read_reply(b, bbuf);
        std::string abuf;
        Reply first = co_await read_reply(a, abuf);
        Reply second = co_await read_reply(a, abuf);
        REQUIRE(rb.body == "BBBBBBBB");
        REQUIRE(first.body == "hello");
        REQUIRE(second.body == "AAAAAAAA");
      });
}

TEST_CASE("reading a streamed body does not shorten the handler's deadline", "[connection]") {
  with_server(
      [](Router& r) {
        RouteOptions streamed;
        streamed.body = BodyMode::streamed;
        r.post("/slow-after-body", [](Request& req) -> Task<Response> {
          auto body = req.body_chunks();
          while (co_await body.next()) {
          }
          co_await brisk::sleep(300ms);  // longer than header_ms, well within handler_ms
          co_return Response::text("done");
        }, streamed);
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        co_await c.write("POST /slow-after-body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n");
        co_await brisk::sleep(20ms);
        co_await c.write("hello");
        std::string buffer;
        Reply r = co_await read_reply(c, buffer);
        REQUIRE(r.status == 200);
        REQUIRE(r.body == "done");
      },
      [](brisk::config::Config& c) {
        c.timeouts.header_ms = 100ms;
        c.timeouts.handler_ms = 2000ms;
      });
}

TEST_CASE("a handler that throws something not derived from std::exception is a 500", "[connection]") {
  with_server(
      [](Router& r) {
        r.get("/odd", [](Request&) -> Task<Response> {
          throw 42;
          co_return Response::status(204);
        });
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        co_await c.write("GET /odd HTTP/1.1\r\nHost: t\r\n\r\nGET /odd HTTP/1.1\r\nHost: t\r\n\r\n");
        Reply a = co_await read_reply(c, buffer);
        Reply b = co_await read_reply(c, buffer);
        REQUIRE(a.status == 500);
        REQUIRE(b.status == 500);
      });  // with_server's drain would hang on a connection left linked
}

TEST_CASE("handler_ms running out while waiting for a route slot is a 503 with Retry-After", "[connection]") {
  with_server(
      [](Router& r) {
        r.get("/one", [](Request& req) -> Task<Response> {
          // ?hold keeps the slot past handler_ms by ignoring its own
          // cancellation (no handler should; it makes the slot stay taken).
          if (req.query("hold")) {
            for (int i = 0; i < 40; ++i) {
              try {
                co_await brisk::sleep(10ms);
              } catch (const brisk::CancelledError&) {
              }
            }
          }
          co_return Response::text("one");
        });
        r.limit("/one", {.concurrency = 1, .wait = 5000ms});
      },
      [](Worker& w) -> Task<void> {
        TcpStream a = co_await connect(w);
        TcpStream b = co_await connect(w);
        co_await a.write("GET /one?hold=1 HTTP/1.1\r\nHost: t\r\n\r\n");
        co_await brisk::sleep(20ms);
        co_await b.write("GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
        std::string bbuf;
        Reply rb = co_await read_reply(b, bbuf);
        std::string abuf;
        Reply ra = co_await read_reply(a, abuf);
        REQUIRE(rb.status == 503);
        REQUIRE(rb.head.find("Retry-After: 1\r\n") != std::string::npos);
        // The holder itself is answered without waiting for it, after the
        // grace a cancelled handler gets.
        REQUIRE(ra.status == 503);
      },
      [](brisk::config::Config& c) { c.timeouts.handler_ms = 100ms; });
}

TEST_CASE("a client that half-closes after its request still gets the whole response", "[connection]") {
  const std::string big(4 << 20, 'x');
  with_server(
      [&big](Router& r) {
        r.get("/big", [&big](Request&) -> Task<Response> { co_return Response::text(big); });
      },
      [&big](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        co_await c.write("GET /big HTTP/1.0\r\nHost: t\r\n\r\n");
        co_await c.shutdown();  // like nc -N: done sending, still reading
        const std::string all = co_await read_to_end(c);
        auto body = all.find("\r\n\r\n");
        REQUIRE(body != std::string::npos);
        REQUIRE(all.size() - body - 4 == big.size());
      });
}

TEST_CASE("a route's max_body_bytes raises or lowers the body limit, for Content-Length and chunked bodies",
          "[connection][limits]") {
  with_server(
      [](Router& r) {
        auto size = [](Request& req) -> Task<Response> { co_return Response::text(std::to_string(req.body().size())); };
        r.post("/upload", size, {.max_body_bytes = 4096});
        r.post("/note", size, {.max_body_bytes = 10});
        r.post("/plain", size);
      },
      [](Worker& w) -> Task<void> {
        auto post = [](Worker& worker, std::string target, std::string framing, std::string body) -> Task<Reply> {
          TcpStream c = co_await connect(worker);
          std::string buffer;
          co_await c.write("POST " + target + " HTTP/1.1\r\nHost: t\r\n" + framing + "\r\n" + body);
          co_return co_await read_reply(c, buffer);
        };
        auto length = [](std::size_t n) { return "Content-Length: " + std::to_string(n) + "\r\n"; };
        const std::string chunked = "Transfer-Encoding: chunked\r\n";
        const std::string kib3(3000, 'x');
        // Over the server's limit (1 KiB here), under /upload's.
        Reply upload = co_await post(w, "/upload", length(kib3.size()), kib3);
        Reply upload_chunked = co_await post(w, "/upload", chunked, "bb8\r\n" + kib3 + "\r\n0\r\n\r\n");
        Reply plain = co_await post(w, "/plain", length(kib3.size()), kib3);
        Reply plain_chunked = co_await post(w, "/plain", chunked, "bb8\r\n" + kib3 + "\r\n0\r\n\r\n");
        // Over /upload's own limit.
        Reply upload_over = co_await post(w, "/upload", length(4097), std::string(4097, 'x'));
        // Under the server's limit, over /note's.
        Reply note = co_await post(w, "/note", length(11), "hello world");
        Reply note_chunked = co_await post(w, "/note", chunked, "b\r\nhello world\r\n0\r\n\r\n");
        Reply note_fits = co_await post(w, "/note", length(10), "hello worl");
        // A body for no route has the server's limit.
        Reply nowhere = co_await post(w, "/nowhere", length(kib3.size()), kib3);
        REQUIRE(upload.status == 200);
        REQUIRE(upload.body == "3000");
        REQUIRE(upload_chunked.status == 200);
        REQUIRE(upload_chunked.body == "3000");
        REQUIRE(plain.status == 413);
        REQUIRE(plain_chunked.status == 413);
        REQUIRE(upload_over.status == 413);
        REQUIRE(note.status == 413);
        REQUIRE(note_chunked.status == 413);
        REQUIRE(note_fits.status == 200);
        REQUIRE(nowhere.status == 413);
      },
      [](brisk::config::Config& c) { c.limits.max_body_bytes = 1024; });
}

TEST_CASE("a handler sees a chunked body's trailers, buffered or streamed, and the next request has none",
          "[connection]") {
  auto trailers_of = [](const Request& req) {
    std::string out;
    for (const auto& field : req.trailers()) {
      out.append(field.name).append("=").append(field.value).append(";");
    }
    return out;
  };
  with_server(
      [&trailers_of](Router& r) {
        r.post("/buffered", [trailers_of](Request& req) -> Task<Response> {
          co_return Response::text(req.body() + "|" + trailers_of(req));
        });
        RouteOptions streamed;
        streamed.body = BodyMode::streamed;
        r.post("/streamed", [trailers_of](Request& req) -> Task<Response> {
          std::string all;
          auto body = req.body_chunks();
          while (auto piece = co_await body.next()) {
            all += *piece;
          }
          co_return Response::text(all + "|" + trailers_of(req));
        }, streamed);
      },
      [](Worker& w) -> Task<void> {
        TcpStream c = co_await connect(w);
        std::string buffer;
        const std::string chunked = "Transfer-Encoding: chunked\r\n\r\n";
        co_await c.write("POST /buffered HTTP/1.1\r\nHost: t\r\n" + chunked +
                         "5\r\nhello\r\n0\r\nX-Sum: 5 \r\nX-Note:\tdone\r\n\r\n");
        Reply buffered = co_await read_reply(c, buffer);
        co_await c.write("POST /streamed HTTP/1.1\r\nHost: t\r\n" + chunked + "3\r\nabc\r\n0\r\nX-Sum: 3\r\n\r\n");
        Reply streamed = co_await read_reply(c, buffer);
        co_await c.write("POST /buffered HTTP/1.1\r\nHost: t\r\n" + chunked + "2\r\nhi\r\n0\r\n\r\n");
        Reply plain = co_await read_reply(c, buffer);
        REQUIRE(buffered.body == "hello|X-Sum=5;X-Note=done;");
        REQUIRE(streamed.body == "abc|X-Sum=3;");
        REQUIRE(plain.body == "hi|");
      });
}
