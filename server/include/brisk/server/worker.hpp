#pragma once
// Worker: one runtime on one thread serving HTTP — its own SO_REUSEPORT
// listener, its own connections, its own metrics. Workers share nothing on
// the request path; the kernel spreads new connections across them.
//
// Lifecycle, driven by the daemon's control thread:
//   run() binds (bound() reports success or the error to the daemon), serves
//   until `drain` is set, then drains: stop accepting (serving the
//   connections already queued on the listener), close idle keep-alive
//   connections, let requests in flight finish for up to shutdown_ms (their
//   responses say Connection: close), then cancel what is left. `force`
//   (a second SIGTERM) cuts the wait short. Before `drain`, while the daemon
//   lets a load balancer see /healthz at 503 (App::draining), the worker
//   serves as usual but for Connection: close on every response.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/server/app.hpp>
#include <brisk/server/log_buffer.hpp>
#include <brisk/server/metrics.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace brisk::server {

class Connection;
// A request's parser and Request, lent to a connection while it is busy
// (connection.hpp).
struct Exchange;

class Worker {
 public:
  // `on_bound` is called once, on this worker's thread, with nullptr when the
  // listener is up or with the exception that stopped it.
  Worker(const App& app, WorkerMetrics& metrics, std::size_t index, std::size_t max_connections);
  ~Worker();

  // Connections past max_connections being answered 503 at once. Each holds
  // its descriptor while it lingers; past this many, new connections wait in
  // the listen backlog, so a burst of them cannot run the process out of
  // descriptors (libuv would then close connections unanswered).
  static constexpr std::size_t max_refusing = 16;

  Task<void> run(ThreadEvent& drain, ThreadEvent& force, std::function<void(std::exception_ptr)> on_bound);

  const App& app() const noexcept { return app_; }
  WorkerMetrics& metrics() noexcept { return metrics_; }
  // This worker's lines of the access log (none when it is off), written out
  // by this worker: when 32 KiB have gathered, once a second, and as it stops.
  LogBuffer* access_log() noexcept { return access_log_ ? &*access_log_ : nullptr; }
  // Accepting has stopped: a connection between requests closes; one that
  // has not sent its first request yet (taken from the listener's queue as
  // it closed) is still served it.
  bool draining() const noexcept { return draining_; }
  // After run(): the connections the drain had to cancel in the middle of
  // a request (at shutdown_ms, or on `force`).
  std::size_t cancelled() const noexcept { return cancelled_; }
  std::size_t index() const noexcept { return index_; }
  // The port the listener is bound to (0 until it is): with port 0 in the
  // configuration, the one the kernel picked.
  std::uint16_t port() const noexcept { return port_; }

  // An idle connection holds no parser and no Request: it takes one when
  // bytes arrive and gives it back when it goes idle again. Spares are kept
  // for reuse, up to a bound.
  Exchange* take_exchange();
  void give_back(Exchange* exchange) noexcept;

  // Connections register themselves for the drain to find them.
  void attach(Connection& c) noexcept;
  void detach(Connection& c) noexcept;

 private:
  Task<void> accept_loop(TcpListener& listener);
  Task<void> admit_queued(TcpListener& listener);
  // Serves an accepted connection, or refuses it past max_connections.
  Task<void> admit(TcpStream stream);
  // `refusing`, one of max_refusing, is given back after the stream closes.
  Task<void> refuse(Semaphore::Guard refusing, TcpStream stream);
  Task<void> watch_loop_lag();
  Task<void> dump_tasks_on_signal();
  Task<void> flush_access_log_every_second();
  // The number of busy connections it cancelled.
  Task<std::size_t> drain_connections(ThreadEvent& force);

  const App& app_;
  WorkerMetrics& metrics_;
  std::size_t index_;
  std::size_t max_connections_;
  Semaphore refusing_{max_refusing};
  bool draining_ = false;
  std::size_t cancelled_ = 0;
  std::uint16_t port_ = 0;
  detail::IntrusiveList<Connection> connections_;
  std::vector<std::unique_ptr<Exchange>> spare_;
  std::optional<LogBuffer> access_log_;
};

}  // namespace brisk::server
