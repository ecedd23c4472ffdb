#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/signal.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/per_worker.hpp>
#include <brisk/server/response.hpp>
#include <brisk/server/worker.hpp>

#include "connection.hpp"
#include "linger.hpp"

#include <csignal>
#include <sstream>
#include <string>

namespace brisk::server {

using namespace std::chrono_literals;

Worker::Worker(const App& app, WorkerMetrics& metrics, std::size_t index, std::size_t max_connections)
    : app_(app), metrics_(metrics), index_(index), max_connections_(max_connections) {
  if (app.access_log() != nullptr) {
    access_log_.emplace(*app.access_log());
  }
}

Worker::~Worker() = default;

// Enough spares for the connections busy at once in any burst this worker
// has seen, without keeping a peak's worth of them forever.
constexpr std::size_t max_spare_exchanges = 256;

Exchange* Worker::take_exchange() {
  if (spare_.empty()) {
    return new Exchange(app_.parser_limits());
  }
  Exchange* x = spare_.back().release();
  spare_.pop_back();
  return x;
}

void Worker::give_back(Exchange* exchange) noexcept {
  std::unique_ptr<Exchange> owned(exchange);
  if (spare_.size() < max_spare_exchanges) {
    // A connection that ended mid-request leaves its state behind: none of
    // it may reach the next connection.
    owned->parser.reset();
    owned->out.clear();
    owned->pending.clear();
    try {
      spare_.push_back(std::move(owned));
    } catch (const std::bad_alloc&) {
      // Freed below instead of kept.
    }
  }
}

void Worker::attach(Connection& c) noexcept {
  connections_.push_back(c);
  metrics_.connections_open.fetch_add(1, std::memory_order_relaxed);
}

void Worker::detach(Connection& c) noexcept {
  connections_.remove(c);
  metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

namespace {
// The index of the worker whose thread this is, for this_worker().
thread_local std::size_t this_thread_worker = max_workers;
}  // namespace

std::size_t this_worker() {
  if (this_thread_worker >= max_workers) {
    throw InvalidStateError("brisk::server::this_worker(): not on a worker thread (PerWorker::get() is for "
                            "handlers; setup() and to_thread jobs run elsewhere)");
  }
  return this_thread_worker;
}

Task<void> Worker::run(ThreadEvent& drain, ThreadEvent& force, std::function<void(std::exception_ptr)> on_bound) {
  this_thread_worker = index_ < max_workers ? index_ : max_workers;
  const auto& server = app_.config.server;
  TcpListener listener;
  try {
    listener = TcpListener::bind(server.listen.host, server.listen.port,
                                 {.backlog = server.backlog, .reuse_port = true});
  } catch (...) {
    on_bound(std::current_exception());
    co_return;
  }
  port_ = listener.port();
  on_bound(nullptr);

  auto acceptor = spawn(accept_loop(listener), "accept-" + std::to_string(index_));
  auto lag = spawn(watch_loop_lag(), "loop-lag-" + std::to_string(index_));
  auto dumper = spawn(dump_tasks_on_signal(), "task-dump-" + std::to_string(index_));
  auto log_flusher = spawn(flush_access_log_every_second(), "log-flush-" + std::to_string(index_));

  co_await drain.wait();
  acceptor.cancel();
  co_await acceptor.finished();
  draining_ = true;
  connections_.for_each([](Connection& c) { c.close_if_idle(); });
  if (!force.is_set()) {
    co_await admit_queued(listener);
  }
  listener.close();
  cancelled_ = co_await drain_connections(force);
  lag.cancel();
  dumper.cancel();
  log_flusher.cancel();
  co_await lag.finished();
  co_await dumper.finished();
  co_await log_flusher.finished();
  if (access_log_) {
    access_log_->flush();
  }
}

Task<void> Worker::accept_loop(TcpListener& listener) {
  for (;;) {
    TcpStream stream;
    try {
      stream = co_await listener.accept();
    } catch (const UvError& e) {
      // Out of descriptors or memory: say so, give the kernel a moment (below),
      // and keep serving the connections we have.
      log(LogLevel::error, std::string("accept failed: ") + e.what());
    }
    if (!stream.is_open()) {
      co_await sleep(10ms);
      continue;
    }
    co_await admit(std::move(stream));
  }
}

// The kernel resets the connections still queued on a listener that closes,
// although other SO_REUSEPORT listeners share its port (another worker's, a
// new brisk's during an upgrade): each one was a client told "connected".
// They are taken up to the last, and the listener closes in the same loop
// turn, leaving the kernel no time to queue another.
Task<void> Worker::admit_queued(TcpListener& listener) {
  std::size_t taken = 0;
  for (;;) {
    TcpStream stream;
    try {
      stream = listener.try_accept();
    } catch (const UvError& e) {
      log(LogLevel::error, std::string("accept failed while closing the listener: ") + e.what());
    }
    if (!stream.is_open()) {
      break;
    }
    ++taken;
    co_await admit(std::move(stream));
  }
  if (taken > 0) {
    log(LogLevel::info, "worker " + std::to_string(index_) + ": stopped accepting; served the " +
                            std::to_string(taken) + " connection(s) still queued on its listener");
  }
}

Task<void> Worker::admit(TcpStream stream) {
  metrics_.connections_total.fetch_add(1, std::memory_order_relaxed);
  if (connections_.size() >= max_connections_) {
    auto refusing = co_await refusing_.acquire();
    // Connections may have closed while this one waited for a refusal
    // slot; then it is served like any other.
    if (connections_.size() >= max_connections_) {
      metrics_.connections_refused.fetch_add(1, std::memory_order_relaxed);
      static_cast<void>(spawn(refuse(std::move(refusing), std::move(stream))));
      co_return;
    }
  }
  stream.set_nodelay(true);
  static_cast<void>(spawn(serve_connection(*this, std::move(stream))));
}

Task<void> Worker::refuse([[maybe_unused]] Semaphore::Guard refusing, TcpStream stream) {
  // Over max_connections: answer at once rather than leave the client
  // hanging in the backlog, then close. The same serialiser as every other
  // response, so the 503 carries Date and Server like they do.
  std::string busy;
  {
    Response response = Response::text(503, "too many connections\n").with_header("Retry-After", "1");
    append_response(busy, response, app_.response_context(false));
  }
  try {
    co_await stream.write(busy);
  } catch (const UvError&) {
    co_return;  // the client left first; nothing to tell it
  }
  // Briefly: refused connections must not pile up while they linger.
  co_await linger_close(stream, 500ms, 16 * 1024);
}

Task<void> Worker::watch_loop_lag() {
  constexpr auto period = 100ms;
  for (;;) {
    auto start = std::chrono::steady_clock::now();
    co_await sleep(period);
    auto late = std::chrono::steady_clock::now() - start - period;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(late).count();
    metrics_.loop_lag_us.store(us > 0 ? static_cast<std::uint64_t>(us) : 0, std::memory_order_relaxed);
    co_await sleep(900ms);
  }
}

Task<void> Worker::dump_tasks_on_signal() {
  SignalSet signals{SIGUSR1};
  for (;;) {
    co_await signals.next();
    std::ostringstream out;
    out << "worker " << index_ << ": ";
    dump_tasks(out);
    log(LogLevel::info, out.str());
  }
}

Task<void> Worker::flush_access_log_every_second() {
  for (;;) {
    co_await sleep(1s);
    if (access_log_) {
      access_log_->flush();
    }
  }
}

Task<std::size_t> Worker::drain_connections(ThreadEvent& force) {
  // A connection admitted just now (admit_queued takes a burst of them) is a
  // spawned task that has not run its first step, where it attaches itself:
  // one turn of the loop lets every one of them, so none is left unseen to
  // outlive the worker and hand its buffers back to it.
  co_await sleep(0ms);
  auto deadline = std::chrono::steady_clock::now() + app_.config.timeouts.shutdown_ms;
  while (!connections_.empty() && std::chrono::steady_clock::now() < deadline && !force.is_set()) {
    co_await sleep(10ms);
  }
  // A connection between requests, or silent since it connected, loses
  // nothing when it closes.
  std::size_t busy = 0;
  connections_.for_each([&busy](Connection& c) { busy += c.busy() ? 1 : 0; });
  if (busy > 0) {
    log(LogLevel::warning, "worker " + std::to_string(index_) + ": cancelling " + std::to_string(busy) +
                               " connection(s) still busy at shutdown");
  }
  // Cancelled connections unlink themselves as they finish.
  connections_.for_each([](Connection& c) { c.cancel(); });
  while (!connections_.empty()) {
    co_await sleep(1ms);
  }
  co_return busy;
}

}  // namespace brisk::server
