#include "connection.hpp"
#include "linger.hpp"

#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/on_suspend.hpp>
#include <brisk/runtime/shared_semaphore.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/server/access_log.hpp>
#include <brisk/server/app.hpp>
#include <brisk/server/http_error.hpp>
#include <brisk/server/worker.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <time.h>
#include <utility>

namespace brisk::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long a closing connection waits for the client to take our last
// response and close its side (linger.hpp).
constexpr auto linger_time = 1000ms;
constexpr std::size_t linger_bytes = 64 * 1024;
// A streamed response's pieces made without a wait go out together up to
// this size: few syscalls, and a batch that stays within the socket buffer.
constexpr std::size_t stream_batch_bytes = 32 * 1024;

// How long a handler cancelled at handler_ms may take to return before its
// client is answered without it (connection.hpp). A cancelled
// sleep or read returns in the loop's next turn; this leaves room for a
// busy turn and for a handler's own cleanup.
constexpr std::uint64_t cancel_grace_ms = 100;

constexpr std::string_view too_late = "the server did not answer in time\n";

// A connection accepted just before the drain stopped accepting, or taken
// from the listener's queue as it closed, has a client that was told
// "connected" and is likely sending its request: it gets this long for it
// (header_ms if shorter), not the drain's whole shutdown_ms.
constexpr std::chrono::milliseconds drain_first_request{1000};

// Counts one in a gauge (requests in flight, waiting for a slot) for as long
// as it lives.
struct GaugeHold {
  explicit GaugeHold(std::atomic<std::int64_t>& g) noexcept : gauge(g) { bump(gauge, 1); }
  ~GaugeHold() { bump(gauge, -1); }
  GaugeHold(const GaugeHold&) = delete;
  GaugeHold& operator=(const GaugeHold&) = delete;
  std::atomic<std::int64_t>& gauge;
};

// Lets a client that leaves cancel the task, for as long as it lives: around
// handler code only. A FIN while a response is being written may be a
// half-close from a client still reading, and a write to one really gone
// fails anyway.
struct HangupWatch {
  HangupWatch(TcpStream& s, TaskState* task) noexcept : stream(s) { stream.watch_hangup(task); }
  ~HangupWatch() { stream.watch_hangup(nullptr); }
  HangupWatch(const HangupWatch&) = delete;
  HangupWatch& operator=(const HangupWatch&) = delete;
  TcpStream& stream;
};

}  // namespace

Connection::Connection(Worker& worker, TcpStream stream)
    : worker_(worker),
      app_(worker.app()),
      stream_(std::move(stream)),
      timer_(&Connection::on_timer, this) {}

// Every way out of serve_connection ends here, the destruction of its frame
// included: nothing of the connection stays linked anywhere.
Connection::~Connection() {
  stream_.watch_hangup(nullptr);
  timer_.stop();
  release_exchange();
  if (linked()) {
    worker_.detach(*this);
  }
}

void Connection::release_exchange() noexcept {
  if (x_ != nullptr) {
    worker_.give_back(std::exchange(x_, nullptr));
  }
}

// The connection's one long-lived frame. While the connection is idle, this
// frame, parked in read(), is all of it: the parser, the Request and the
// buffers are the worker's again, and serve_busy()'s frame is gone.
Task<void> serve_connection(Worker& worker, TcpStream stream) {
  Connection c(worker, std::move(stream));
  c.task_ = current_task();
  c.peer_ = c.stream_.peer_address();
  worker.attach(c);
  const auto& timeouts = c.app_.config.timeouts;
  try {
    for (bool first = true;; first = false) {
      if (!first && worker.draining()) {
        break;
      }
      c.set_deadline(Connection::Phase::idle, first ? c.first_request_ms() : timeouts.idle_ms);
      std::string_view data;
      bool timed_out = false;
      try {
        data = co_await c.stream_.read();
      } catch (const CancelledError&) {
        if (!c.take_expiry()) {
          throw;
        }
        timed_out = true;
      }
      if (timed_out || data.empty()) {
        break;  // silent, or gone: nothing to answer
      }
      c.fresh_ = false;
      bump(worker.metrics().bytes_received, data.size());
      c.input_ = data;
      if (!co_await c.serve_busy()) {
        break;
      }
    }
  } catch (const CancelledError&) {
    // The client hung up, a write timed out, or a forced shutdown: nobody
    // is left to answer.
  } catch (const UvError&) {
    // Reset by the client, or a write into a connection it closed.
  } catch (const std::exception& e) {
    log(LogLevel::error, c.peer_ + ": connection closed after an internal error: " + e.what());
  } catch (...) {
    log(LogLevel::error, c.peer_ + ": connection closed after an internal error of unknown type");
  }
}

void Connection::close_if_idle() noexcept {
  if (phase_ != Phase::idle || !input_.empty() || task_ == nullptr) {
    return;
  }
  if (fresh_) {
    set_deadline(Phase::idle, first_request_ms());
  } else {
    task_->cancel();
  }
}

std::chrono::milliseconds Connection::first_request_ms() const noexcept {
  const auto header_ms = app_.config.timeouts.header_ms;
  return worker_.draining() ? std::min(header_ms, drain_first_request) : header_ms;
}

bool Connection::busy() const noexcept {
  return phase_ != Phase::idle || !input_.empty();
}

void Connection::cancel() noexcept {
  if (task_ != nullptr) {
    task_->cancel();
  }
}

// --- deadlines ---

void Connection::set_deadline(Phase phase, std::chrono::milliseconds ms) noexcept {
  set_deadline_at(phase, task_->loop().deadline_after(static_cast<std::uint64_t>(ms.count())));
}

void Connection::set_deadline_at(Phase phase, std::uint64_t at) noexcept {
  if (expired_) {
    // The last phase's deadline passed but its code finished anyway (a
    // handler that caught the cancellation): withdraw it before moving on.
    take_expiry();
  }
  phase_ = phase;
  deadline_ = at;
  // A later deadline waits for the timer to fire at the earlier one; only an
  // earlier one re-arms it.
  if (!timer_.armed() || deadline_ < timer_due_) {
    timer_due_ = deadline_;
    timer_.start_at(task_->loop(), deadline_);
  }
}

void Connection::on_timer(void* self) noexcept {
  auto* c = static_cast<Connection*>(self);
  Loop& loop = c->task_->loop();
  std::uint64_t now = loop.now();
  if (now < c->deadline_) {
    c->timer_due_ = c->deadline_;
    c->timer_.start_at(loop, c->deadline_);
    return;
  }
  if (c->expired_ && c->phase_ == Phase::handler) {
    // The grace since the cancellation is over and the handler's code still
    // runs: its client is not kept waiting for it.
    if (c->unanswered_) {
      c->answer_late();
    } else {
      c->abandon_stream();
    }
    return;
  }
  c->expired_ = true;
  c->task_->cancel();
  if (c->phase_ == Phase::handler) {
    c->deadline_ = c->timer_due_ = now + cancel_grace_ms;
    c->timer_.start(loop, Duration(cancel_grace_ms));
  }
}

void Connection::answer_late() noexcept {
  unanswered_ = false;
  answered_late_ = true;
  x_->answered_late_at = Clock::now();
  stop_reading_ = true;
  try {
    log(LogLevel::warning, request_label() +
                               ": no response within handler_ms, and the handler did not return when cancelled; "
                               "answered 503 without it, closing once it returns");
    // After the responses already batched for the requests before it.
    append_response(x_->out, Response::text(503, std::string(too_late)), response_context(false));
    bump(worker_.metrics().bytes_sent, x_->out.size());
    stream_.send(std::exchange(x_->out, std::string()));
    batched_ = 0;
  } catch (...) {
    stream_.close();  // out of memory: no answer, but no wait either
  }
}

void Connection::abandon_stream() noexcept {
  log(LogLevel::warning, request_label() +
                             ": response stream stalled past handler_ms, and its generator did not return when "
                             "cancelled; connection closed");
  stop_reading_ = true;
  stream_.close();
}

bool Connection::take_expiry() noexcept {
  if (!expired_) {
    return false;
  }
  expired_ = false;
  return task_->uncancel() == 0;
}

// --- input and output ---

void Connection::keep_input() {
  if (input_.empty() || (!x_->pending.empty() && input_.data() >= x_->pending.data() &&
                         input_.data() < x_->pending.data() + x_->pending.size())) {
    return;
  }
  x_->pending.assign(input_);
  input_ = x_->pending;
}

// x_->pending itself is released by read_more, not here: a body piece the
// parser just returned may still point into it.
void Connection::consumed(std::size_t n) noexcept { input_.remove_prefix(n); }

Task<void> Connection::flush() {
  if (x_ == nullptr || x_->out.empty()) {
    co_return;
  }
  keep_input();
  set_deadline(Phase::write, app_.config.timeouts.write_ms);
  co_await stream_.write(x_->out);
  // The write finished: a deadline that fired in the same turn is moot.
  take_expiry();
  bump(worker_.metrics().bytes_sent, x_->out.size());
  batched_ = 0;
  // A large response's buffer is not kept for the next one.
  if (x_->out.capacity() > 64 * 1024) {
    x_->out = std::string();
  } else {
    x_->out.clear();
  }
}

Task<Connection::Input> Connection::read_more(Phase phase, std::chrono::milliseconds ms) {
  // Answers already made go out before waiting for the client.
  co_await flush();
  if (input_.empty() && x_->pending.capacity() > 16 * 1024) {
    // Nothing left to parse: a burst's buffer is not kept for the next one.
    x_->pending = std::string();
  }
  set_deadline(phase, ms);
  // Defensive: the parser consumes all it is given before asking for more;
  // anything left must be ours before the read reuses the loop's buffer.
  keep_input();
  std::string_view data;
  try {
    data = co_await stream_.read();
  } catch (const CancelledError&) {
    if (!take_expiry()) {
      throw;
    }
    co_return Input::timeout;
  }
  if (data.empty()) {
    co_return Input::eof;
  }
  bump(worker_.metrics().bytes_received, data.size());
  if (input_.empty()) {
    input_ = data;
  } else {
    x_->pending.erase(0, x_->pending.size() - input_.size());
    x_->pending.append(data);
    input_ = x_->pending;
  }
  co_return Input::more;
}

// --- the request loop ---

Task<bool> Connection::serve_busy() {
  x_ = worker_.take_exchange();
  const auto& timeouts = app_.config.timeouts;
  for (;;) {
    // The head. Its clock starts only if it does not arrive in one piece.
    ParseStep step{};
    bool head_timed = false;
    for (;;) {
      step = x_->parser.execute(input_);
      consumed(step.consumed);
      if (step.event != ParseEvent::need_more) {
        break;
      }
      if (!head_timed) {
        head_timed = true;
        set_deadline(Phase::head, timeouts.header_ms);
      }
      // Keep the head's deadline: read_more re-sets the same one.
      const std::uint64_t now = task_->loop().now();
      auto left = std::chrono::milliseconds(deadline_ > now ? deadline_ - now : 0);
      Input in = co_await read_more(Phase::head, left);
      if (in == Input::eof) {
        co_return false;
      }
      if (in == Input::timeout) {
        co_await answer_and_close(408, "request head not received in time");
        co_return false;
      }
    }
    if (step.event == ParseEvent::error) {
      co_await answer_and_close(x_->parser.error().status, x_->parser.error().reason);
      co_return false;
    }
    if (!co_await serve_request()) {
      co_return false;
    }
    if (input_.empty()) {
      // Nothing more to parse: the batch goes out, and the connection idles.
      co_await flush();
      release_exchange();
      co_return true;
    }
  }
}

Task<bool> Connection::serve_request() {
  const auto start = Clock::now();
  std::optional<HttpError> bad_target;
  try {
    x_->request.begin(peer_);
  } catch (const HttpError& e) {
    bad_target = e;
  }
  if (bad_target) {
    co_await answer_and_close(bad_target->status(), bad_target->what());
    co_return false;
  }
  const RequestHead& head = x_->request.head();
  RouteMatch match = app_.router().match(x_->request.method(), x_->request.path());
  x_->request.set_params(match.params);
  const Route* route = match.route;

  if (!x_->parser.set_body_limit(app_.body_limit(route))) {
    co_await answer_and_close(413, "Content-Length over the body limit");
    co_return false;
  }
  body_done_ = false;
  const bool streamed_body = route != nullptr && route->options.body == BodyMode::streamed && head.has_body();
  // A client that asked to be told before it sends the body, and has not
  // sent any yet, gets the go-ahead; unless no route takes the request (404,
  // 405, OPTIONS *): then it gets the final status at once, so it does not
  // upload for nothing. It may send the body anyway, or never: its framing
  // cannot be trusted either way, so the body is not read, the answer says
  // Connection: close, and linger_close() drains what still comes.
  const bool awaits_go_ahead = head.expect_continue && head.has_body() && input_.empty() && head.version_minor >= 1;
  const bool body_refused = awaits_go_ahead && route == nullptr;
  if (body_refused) {
    stop_reading_ = true;
  } else if (awaits_go_ahead) {
    x_->out.append(continue_response);
    co_await flush();
  }
  if (streamed_body) {
    x_->request.set_body_source(this);
  } else if (!head.has_body()) {
    // The common case needs no read: the message ends with its head.
    ParseStep end = x_->parser.execute(input_);
    if (end.event != ParseEvent::message_complete) {
      co_await answer_and_close(500, "request framing lost");
      co_return false;
    }
    body_done_ = true;
  } else if (!body_refused && !co_await read_body(true)) {
    co_return false;
  }

  int status = 0;
  std::uint64_t body_bytes = 0;
  {
    Response response;
    bool have_response = false;
    // A slot of a limited route, given back when the request is done.
    std::optional<SharedSemaphore::Guard> slot;
    if (route != nullptr && route->limit) {
      SharedSemaphore& slots = app_.slots(route->index);
      slot = slots.try_acquire();
      if (!slot) {
        keep_input();
        set_deadline(Phase::handler, app_.config.timeouts.handler_ms);
        unanswered_ = true;
        try {
          GaugeHold waiting(worker_.metrics().limit_waiters);
          slot = co_await slots.acquire_for(route->limit->wait);
        } catch (const CancelledError&) {
          // handler_ms ran out while waiting: answered like a full route.
          if (!take_expiry()) {
            throw;
          }
        }
        unanswered_ = false;
        if (!slot) {
          bump(worker_.metrics().limit_rejected, 1);
          response = Response::text(503, "too many requests for this route; try again\n").with_header("Retry-After", "1");
          have_response = true;
        }
      }
    }
    if (!have_response) {
      GaugeHold in_flight(worker_.metrics().in_flight);
      keep_input();
      set_deadline(Phase::handler, app_.config.timeouts.handler_ms);
      unanswered_ = true;
      try {
        HangupWatch watch(stream_, task_);
        response = co_await (*match.handler)(x_->request);
      } catch (...) {
        response = answer_failure(std::current_exception());
      }
      unanswered_ = false;
    }
    // From the first SIGTERM: the client (a load balancer's pool) opens a new
    // connection for its next request, which a drain that has stopped
    // accepting sends to another server.
    const bool keep_alive =
        x_->request.keep_alive() && !stop_reading_ && !app_.draining.load(std::memory_order_relaxed);
    ResponseContext context = response_context(keep_alive);
    if (!answered_late_) {
      if (!response.streamed() || context.head_request) {
        status = send_whole(response, context, body_bytes);
      } else {
        status = co_await send_stream(response, context, body_bytes);
      }
    }
    // Before the handler came back, or while a stream's first piece was
    // awaited: what it came back with is dropped.
    if (answered_late_) {
      status = 503;
      body_bytes = context.head_request ? 0 : too_late.size();
    }
  }

  // What a streaming handler left of its body is read and dropped, so the
  // next request starts where it should.
  if (!body_done_ && !stop_reading_ && !co_await read_body(false)) {
    co_return false;
  }
  // A late 503 is timed as its client saw it, not by the handler's return.
  const auto took = (answered_late_ ? x_->answered_late_at : Clock::now()) - start;
  worker_.metrics().count_request(route != nullptr ? route->index : app_.router().routes(), status, took);
  if (LogBuffer* access_log = worker_.access_log()) {
    log_access(*access_log, x_->request, status, body_bytes, took);
  }
  if (stop_reading_) {
    co_await flush();
    co_await linger_close();
    co_return false;
  }
  if (batched_ >= app_.config.limits.max_pipeline || x_->out.size() >= app_.config.limits.write_high_water) {
    co_await flush();
    // A long pipelined burst gives the loop a turn between batches. Requests
    // that complete without suspending nest their frames until the task
    // next suspends where GCC cannot make symmetric transfer a tail call
    // (under ASan), and a burst read in one piece may hold thousands.
    co_await sleep(0ms);
  }
  co_return true;
}

std::string Connection::request_label() const {
  return peer_ + ": " + std::string(x_->request.method_name()) + " " + x_->request.target();
}

Response Connection::answer_failure(std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const HttpError& e) {
    return Response::from(e);
  } catch (const CancelledError&) {
    const bool deadline = take_expiry();
    if (answered_late_) {
      // The client has its 503, so the request is counted and logged as
      // answered; a cancellation that came from elsewhere (the client left,
      // a forced shutdown) still ends the connection at its next suspension.
      if (!deadline) {
        task_->cancel();
      }
    } else if (!deadline) {
      throw;
    } else {
      log(LogLevel::warning, request_label() + ": no response within handler_ms; handler cancelled");
    }
    return Response::text(503, std::string(too_late));
  } catch (const OverloadedError& e) {
    return Response::text(503, std::string("server busy: ") + e.what() + "\n").with_header("Retry-After", "1");
  } catch (const std::exception& e) {
    log(LogLevel::error, request_label() + ": handler failed: " + e.what());
    return Response::text(500, "Internal Server Error\n");
  } catch (...) {
    log(LogLevel::error, request_label() + ": handler threw something that is not a std::exception");
    return Response::text(500, "Internal Server Error\n");
  }
}

Task<bool> Connection::read_body(bool keep) {
  for (;;) {
    ParseStep step = x_->parser.execute(input_);
    consumed(step.consumed);
    switch (step.event) {
      case ParseEvent::body:
        if (keep) {
          x_->request.body().append(step.body);
        }
        break;
      case ParseEvent::message_complete:
        body_done_ = true;
        co_return true;
      case ParseEvent::need_more: {
        Input in = co_await read_more(Phase::body, app_.config.timeouts.header_ms);
        if (in == Input::eof) {
          co_return false;
        }
        if (in == Input::timeout) {
          co_await answer_and_close(408, "request body not received in time");
          co_return false;
        }
        break;
      }
      case ParseEvent::error:
        co_await answer_and_close(x_->parser.error().status, x_->parser.error().reason);
        co_return false;
      case ParseEvent::head_complete:
        co_await answer_and_close(500, "request framing lost");
        co_return false;
    }
  }
}

// The body bytes already received are parsed to the end before any of them
// is handed over: a framing error in them is found before the handler (and
// its response) has seen a byte, and a piece is as large as a read.
Generator<std::string> Connection::chunks() {
  std::string piece;
  while (!body_done_) {
    ParseStep step = x_->parser.execute(input_);
    if (step.event == ParseEvent::body) {
      piece.append(step.body);
    }
    consumed(step.consumed);
    switch (step.event) {
      case ParseEvent::body:
        continue;
      case ParseEvent::message_complete:
        body_done_ = true;
        break;
      case ParseEvent::need_more: {
        if (!piece.empty()) {
          keep_input();  // the consumer may suspend before asking again
          co_yield std::exchange(piece, std::string());
          continue;
        }
        // The wait for body bytes has its own deadline; the handler's (or
        // the stream's) comes back after it.
        const Phase phase = phase_;
        const std::uint64_t deadline = deadline_;
        Input in = co_await read_more(Phase::body, app_.config.timeouts.header_ms);
        if (in != Input::more) {
          stop_reading_ = true;
          throw HttpError(in == Input::eof ? 400 : 408,
                          in == Input::eof ? "request body cut short" : "request body not received in time");
        }
        set_deadline_at(phase, deadline);
        continue;
      }
      case ParseEvent::error:
      case ParseEvent::head_complete:
        stop_reading_ = true;
        throw HttpError(x_->parser.error().status != 0 ? x_->parser.error().status : 400,
                        std::string(x_->parser.error().reason));
    }
  }
  // The next pipelined request may follow the body in the loop's buffer;
  // the handler may suspend before the connection parses it.
  keep_input();
  if (!piece.empty()) {
    co_yield std::move(piece);
  }
}

ResponseContext Connection::response_context(bool keep_alive) const noexcept {
  ResponseContext context = app_.response_context(keep_alive);
  context.head_request = x_->request.method() == Method::head;
  context.http10 = x_->request.version_minor() == 0;
  return context;
}

int Connection::send_whole(const Response& response, ResponseContext& context, std::uint64_t& body_bytes) {
  context.streamed = response.streamed();  // a HEAD answer to a stream: its head only
  HeadInfo info =
      context.streamed ? append_head(x_->out, response, context) : append_response(x_->out, response, context);
  body_bytes = info.framing == BodyFraming::none || context.streamed ? 0 : response.body().size();
  ++batched_;
  stop_reading_ = stop_reading_ || !info.keep_alive;
  return response.status();
}

Task<int> Connection::send_stream(Response& response, ResponseContext& context, std::uint64_t& body_bytes) {
  Generator<std::string>* chunks = response.chunks();
  // The head waits for the first piece: until then, a failure (a bad request
  // body, a handler error) can still be answered with a status of its own.
  std::optional<std::string> piece;
  std::optional<Response> failure;
  set_deadline(Phase::handler, app_.config.timeouts.handler_ms);
  unanswered_ = true;
  try {
    HangupWatch watch(stream_, task_);  // the generator is the handler's code
    piece = co_await chunks->next();
  } catch (const UvError&) {
    throw;  // reading the request body failed: nobody to answer
  } catch (...) {
    failure = answer_failure(std::current_exception());
  }
  unanswered_ = false;
  if (answered_late_) {
    co_return 503;
  }
  if (failure) {
    context.keep_alive = context.keep_alive && !stop_reading_;
    HeadInfo info = append_response(x_->out, *failure, context);
    body_bytes = failure->body().size();
    ++batched_;
    stop_reading_ = stop_reading_ || !info.keep_alive;
    co_return failure->status();
  }

  context.streamed = true;
  HeadInfo info = append_head(x_->out, response, context);
  stop_reading_ = stop_reading_ || !info.keep_alive;
  ++batched_;
  // Pieces the generator makes without waiting share one write, of up to
  // stream_batch_bytes; as soon as it waits, what it made goes out
  // (send_made_so_far), so a stream of things that take time is not held
  // back. After the head has gone, the only way left to say "incomplete" is
  // to end the connection without the last chunk.
  OnSuspend send_when_waiting(&Connection::send_made_so_far, this);
  try {
    while (piece) {
      if (info.framing == BodyFraming::chunked) {
        append_chunk(x_->out, *piece);
      } else {
        x_->out.append(*piece);
      }
      body_bytes += piece->size();
      if (x_->out.size() >= stream_batch_bytes) {
        co_await flush();
      }
      set_deadline(Phase::handler, app_.config.timeouts.handler_ms);
      HangupWatch watch(stream_, task_);
      send_when_waiting.arm();
      piece = co_await chunks->next();
      send_when_waiting.disarm();
    }
  } catch (const CancelledError&) {
    if (take_expiry() && stream_.is_open()) {  // closed: abandon_stream() said so
      log(LogLevel::warning, request_label() + ": response stream stalled past handler_ms; connection closed");
    }
    throw CancelledError{};
  } catch (const UvError&) {
    throw;
  } catch (const std::exception& e) {
    log(LogLevel::error, request_label() + ": response stream failed after its head was sent: " + e.what());
    throw;
  }
  if (info.framing == BodyFraming::chunked) {
    append_last_chunk(x_->out);
  }
  co_return response.status();
}

void Connection::send_made_so_far(void* self) noexcept {
  auto* c = static_cast<Connection*>(self);
  // Only while the generator itself waits (the handler phase): a flush in
  // progress (phase write, or body when the generator reads the request)
  // owns the batch. Behind a client that does not keep up, the batch waits
  // for the next awaited flush, which the write deadline guards.
  if (c->phase_ != Phase::handler || c->x_ == nullptr || c->x_->out.empty() || c->stream_.write_queue_size() != 0) {
    return;
  }
  try {
    bump(c->worker_.metrics().bytes_sent, c->x_->out.size());
    c->stream_.send(std::exchange(c->x_->out, std::string()));
    c->batched_ = 0;
  } catch (...) {
    // Out of memory: the batch stays for the next flush.
  }
}

Task<void> Connection::answer_and_close(int status, std::string_view reason) {
  // A 4xx is the client's mistake (malformed, oversized, too slow): worth a
  // line, not an alarm. A 5xx here is the server losing track of framing.
  log(status >= 500 ? LogLevel::error : LogLevel::info,
      peer_ + ": " + std::to_string(status) + " " + std::string(reason) + "; closing");
  Response response = Response::text(status, std::string(reason) + "\n");
  append_response(x_->out, response, app_.response_context(false));
  worker_.metrics().count_request(app_.router().routes(), status, std::chrono::nanoseconds(0));
  co_await flush();
  co_await linger_close();
}

Task<void> Connection::linger_close() {
  // The FIN waits for every queued byte (a late answer's too): a client that
  // does not take them has write_ms.
  set_deadline(Phase::write, app_.config.timeouts.write_ms);
  try {
    co_await server::linger_close(stream_, linger_time, linger_bytes);
  } catch (const CancelledError&) {
    // The phase's own deadline, or a forced shutdown, came first: closing anyway.
    take_expiry();
  }
}

void Connection::log_access(LogBuffer& to, const Request& req, int status, std::uint64_t bytes,
                            std::chrono::nanoseconds took) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);  // vDSO: no syscall
  const AccessEntry entry{.peer = peer_,
                          .method = req.method_name(),
                          .target = req.target(),
                          .version_minor = req.version_minor(),
                          .status = status,
                          .body_bytes = bytes,
                          .referer = req.header("Referer").value_or(""),
                          .user_agent = req.header("User-Agent").value_or(""),
                          .took = took,
                          .when = now.tv_sec};
  to.add([&](std::string& out) { append_access_line(out, app_.config.log.access_format, entry); });
}

}  // namespace brisk::server
