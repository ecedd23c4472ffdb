#pragma once
// Connection: one client, served by one task from accept to close.
//
// The loop, per request: read until the parser has a head, route it, take
// the body (buffered into the Request, or handed to the handler as it comes),
// run the handler inside the middleware, serialise the response into the
// output batch. Responses accumulate in the batch while the bytes already
// read hold more requests (pipelining), and leave in one write when the
// connection would otherwise wait for the client: one write per read batch.
//
// Bytes not yet parsed stay in the loop's shared read buffer while the task
// runs without suspending (the fast path: a read, the whole request, its
// response). Before anything that may suspend (a handler, a write, a route
// limit) they are copied into the exchange's `pending`. The exchange (parser,
// Request, pending bytes, output batch) is the worker's, lent from a
// request's first byte until the connection is idle again: an idle
// connection is one coroutine frame parked in read(), with no buffer.
//
// Timeouts share one timer per connection with a lazily moved deadline (the
// timer fires at the old time, sees the deadline has moved, and sleeps
// again), so a request costs a store, not a timer-heap update:
//   idle      waiting for a request to begin   idle_ms (header_ms at first,  close
//                                              1 s at most while draining)
//   head      a request head begun             header_ms for the whole head  408, close
//   body      waiting for body bytes           header_ms per read            408, close
//   handler   the handler producing a response handler_ms                    503 (see below)
//   write     the client taking our bytes      write_ms per write            close
// When the deadline passes, the timer cancels the connection's task; the
// code at the suspension point sees `expired_` and withdraws that
// cancellation. A cancellation from elsewhere (the client hung up, a forced
// shutdown) is never taken for a timeout.
//
// A handler cancelled at handler_ms usually returns at once, and its 503
// goes out like any response, on a connection that stays open. One that does
// not return within a short grace (it waits for a to_thread job, which cannot
// be interrupted, or it ignores its cancellation) is answered without it:
// the timer sends the batch and a 503 (TcpStream::send), and the connection
// closes once the handler has returned, as its frame, and the Request it
// uses, must live until then. A stream whose head has gone cannot be
// answered any more: the timer closes the connection instead.
//
// Backpressure: a write is awaited until the kernel has every byte, and the
// batch is written once it holds max_pipeline responses or write_high_water
// bytes, so a client that sends without reading stops being read from, and
// then times out in `write`.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/log_buffer.hpp>
#include <brisk/server/parser.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/response.hpp>
#include <brisk/server/router.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

namespace brisk::server {

class App;
class Worker;

// What a connection needs only while it is busy with requests.
struct Exchange {
  // The parser writes each head straight into the Request.
  explicit Exchange(const ParserLimits& limits) : parser(limits) { parser.parse_into(request.head()); }
  RequestParser parser;
  Request request;
  std::string pending;  // unparsed bytes copied out of the read buffer
  std::string out;      // the batch of responses not yet written
  std::chrono::steady_clock::time_point answered_late_at;  // when answer_late() sent its 503
};

class Connection final : public detail::ListHook, private BodySource {
 public:
  Connection(Worker& worker, TcpStream stream);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Drain: a connection waiting for its next request closes now; one in the
  // middle of a request finishes it and closes after the response; one that
  // has not sent its first request yet gets a short while for it.
  void close_if_idle() noexcept;
  // In the middle of a request (its head begun, up to its response sent).
  bool busy() const noexcept;
  // Forced shutdown: cancels whatever the connection is doing.
  void cancel() noexcept;

 private:
  enum class Phase : std::uint8_t { idle, head, body, handler, write };
  // What a read turned up.
  enum class Input : std::uint8_t { more, eof, timeout };

  friend Task<void> serve_connection(Worker& worker, TcpStream stream);

  // From the first byte of a request until the connection is idle again (or
  // false: closed).
  Task<bool> serve_busy();
  // One request whose head the parser has; false when the connection ends.
  Task<bool> serve_request();
  // How long a new connection's first request may take to begin.
  std::chrono::milliseconds first_request_ms() const noexcept;

  // Reads more bytes into input_ after flushing the batch, under the
  // phase's deadline.
  Task<Input> read_more(Phase phase, std::chrono::milliseconds ms);
  Task<void> flush();
  // Copies input_ out of the shared read buffer before a suspension.
  void keep_input();
  void consumed(std::size_t n) noexcept;
  void release_exchange() noexcept;

  // The answer to a handler's exception; rethrows a cancellation that is
  // not this connection's deadline.
  Response answer_failure(std::exception_ptr failure);
  // "203.0.113.7:51234: GET /path", how log lines name the request.
  std::string request_label() const;
  ResponseContext response_context(bool keep_alive) const noexcept;
  // Serialise the response into the batch (a stream goes out piece by
  // piece); each returns the status actually sent.
  int send_whole(const Response& response, ResponseContext& context, std::uint64_t& body_bytes);
  Task<int> send_stream(Response& response, ResponseContext& context, std::uint64_t& body_bytes);
  // A stream's batch when its generator waits (an OnSuspend callback).
  static void send_made_so_far(void* self) noexcept;
  // The rest of the body: into the Request (keep) or dropped. false when the
  // connection ends (answered and closed, or the client left).
  Task<bool> read_body(bool keep);
  Task<void> answer_and_close(int status, std::string_view reason);
  Task<void> linger_close();

  Generator<std::string> chunks() override;

  void set_deadline(Phase phase, std::chrono::milliseconds ms) noexcept;
  // The same with an absolute deadline (Loop::now() milliseconds).
  void set_deadline_at(Phase phase, std::uint64_t at) noexcept;
  static void on_timer(void* self) noexcept;
  // The 503 for a handler still running past its grace (see "A handler
  // cancelled at handler_ms" above).
  void answer_late() noexcept;
  // The same for a stream stalled after its head: closes the connection.
  void abandon_stream() noexcept;
  // After a CancelledError: true if it was our deadline (then withdrawn).
  bool take_expiry() noexcept;

  // One line for `req` in the worker's access log.
  void log_access(LogBuffer& to, const Request& req, int status, std::uint64_t bytes, std::chrono::nanoseconds took);

  Worker& worker_;
  const App& app_;
  TcpStream stream_;
  TaskState* task_ = nullptr;
  std::string peer_;

  // Lent by the worker from the first byte of a request until the
  // connection is idle again; null while idle.
  Exchange* x_ = nullptr;
  std::string_view input_;  // unparsed bytes: in the read buffer or in x_->pending
  std::size_t batched_ = 0;  // responses in x_->out
  bool body_done_ = true;    // the current request's body has been read to its end
  bool stop_reading_ = false;  // close after this response

  TimerNode timer_;
  std::uint64_t deadline_ = 0;  // Loop::now() milliseconds
  std::uint64_t timer_due_ = 0;
  Phase phase_ = Phase::idle;
  bool expired_ = false;
  bool fresh_ = true;  // no request has begun on it yet
  // The handler (or the wait for a route slot before it) is under way and
  // nothing of its response is batched yet: a deadline can still answer for
  // it. In the handler phase otherwise, a stream's head has gone.
  bool unanswered_ = false;
  bool answered_late_ = false;  // answer_late() did; the handler's answer is dropped
};

Task<void> serve_connection(Worker& worker, TcpStream stream);

}  // namespace brisk::server
