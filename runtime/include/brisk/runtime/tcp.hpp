#pragma once
// TCP for the runtime: TcpListener (accept as an awaitable) and TcpStream
// (read, write, shutdown, close), each operation cancellable.
//
// Reading: read() hands back a view into the loop's shared read buffer, valid
// only until the reading task next suspends. The task is resumed inside the
// libuv read callback (Suspension::wake_now) so it can parse the bytes and
// keep just the unparsed rest: an idle connection owns no read buffer at all.
// While the task comes back to read() from that same resumption, reading
// stays armed and costs no system call besides read(2).
//
// Ownership: the libuv handle lives in a heap block owned by the TcpStream or
// TcpListener object until close(); libuv closes asynchronously, so the block
// frees itself in the close callback, after its owner may be long gone.
// Only one task may read, and one write, at a time on a stream; send() may
// queue bytes behind either.
//
// Hang-up watch: a server wants to know that its client went away while a
// handler runs, without reading on purpose. watch_hangup(task) keeps reading
// armed while nobody is in read(): bytes that arrive are kept for the next
// read() (up to 64 KiB, then reading pauses), and end-of-stream or an error
// cancels `task`. On the fast path, where the task comes straight back to
// read(), the watch costs nothing.

#include <brisk/runtime/suspension.hpp>
#include <brisk/runtime/task_state.hpp>

#include <uv.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace brisk {

// Edge-triggered reads (tcp.cpp, "set_edge"): a stream that comes back to
// read() is re-registered with EPOLLET, so sockets are served in the order
// their data came. That path reads fields of libuv's watcher that libuv does
// not promise to keep, so it exists only in a build against a libuv version
// it was verified with (edge_triggered_supported(); CMake says which).
// set_edge_triggered(false) turns it off for every loop of the process (the
// daemon's server.edge_triggered); set it before the loops start.
bool edge_triggered_supported() noexcept;
void set_edge_triggered(bool on) noexcept;
// On: supported and not turned off.
bool edge_triggered() noexcept;

class AcceptAwaiter;
class ConnectAwaiter;
class ReadAwaiter;
class ShutdownAwaiter;
class WriteAwaiter;

class TcpStream {
 public:
  struct State;

  TcpStream() noexcept = default;
  explicit TcpStream(State* s) noexcept : s_(s) {}
  TcpStream(TcpStream&& o) noexcept;
  TcpStream& operator=(TcpStream&& o) noexcept;
  ~TcpStream() { close(); }

  // Connects to a numeric address or a host name (resolved by getaddrinfo on
  // the calling thread: for tests and tools, not for a hot path).
  static ConnectAwaiter connect(std::string host, std::uint16_t port);

  bool is_open() const noexcept;

  // At least one byte, or an empty view at end of stream; UvError on a reset
  // or any other failure.
  [[nodiscard]] ReadAwaiter read();
  // Returns once the kernel has taken every byte. The bytes must stay valid
  // until then (they do when they live in the awaiting frame). A cancelled
  // write closes the stream: what was half sent cannot be taken back.
  [[nodiscard]] WriteAwaiter write(std::string_view data);
  // Queues `data` and returns at once (asyncio's transport.write): the stream
  // owns the bytes until the kernel has taken them, and nobody learns whether
  // it did. For a last word sent while the task that owns the stream is busy
  // elsewhere; later writes go out after these bytes, and a close drops what
  // is still queued.
  void send(std::string data);
  // Sends FIN after the queued writes.
  [[nodiscard]] ShutdownAwaiter shutdown();

  // Closes now; a task parked in read() wakes with UvError(UV_ECANCELED).
  void close() noexcept;
  // Closes with a RST instead of a FIN (abortive close).
  void reset() noexcept;

  // See "Hang-up watch" above; nullptr ends the watch.
  void watch_hangup(TaskState* task) noexcept;
  // The peer closed or reset the stream while it was being watched.
  bool hung_up() const noexcept;

  void set_nodelay(bool on) noexcept;
  // Bytes accepted by write() but not yet taken by the kernel.
  std::size_t write_queue_size() const noexcept;
  // The socket's descriptor, -1 once closed: for socket options brisk does
  // not wrap, and for diagnostics.
  int fileno() const noexcept;
  std::string peer_address() const;
  std::string local_address() const;

 private:
  State* s_ = nullptr;
};

class ReadAwaiter final : public Suspension {
 public:
  explicit ReadAwaiter(TcpStream::State* s) noexcept : s_(s) {}
  // Ready at once when the hang-up watch kept bytes or an end-of-stream.
  bool await_ready() noexcept;
  bool await_suspend(std::coroutine_handle<> h);
  std::string_view await_resume() const;

  void abort() noexcept override;
  // From the read callback: resumes the reader inline, while `data` is valid.
  void complete(ssize_t nread, const char* data) noexcept;
  // From elsewhere (the stream was closed under the reader): resumes it later.
  void fail(int code) noexcept;

 private:
  TcpStream::State* s_;
  const char* data_ = nullptr;
  ssize_t result_ = 0;
};

class WriteAwaiter final : public Suspension {
 public:
  WriteAwaiter(TcpStream::State* s, std::string_view data) noexcept : s_(s), data_(data) {}
  bool await_ready();
  bool await_suspend(std::coroutine_handle<> h);
  void await_resume() const;

  void abort() noexcept override;

 private:
  static void on_written(uv_write_t* req, int status) noexcept;

  TcpStream::State* s_;
  std::string_view data_;
  uv_write_t req_{};
  int status_ = 0;
  bool aborted_ = false;
};

class ShutdownAwaiter final : public Suspension {
 public:
  explicit ShutdownAwaiter(TcpStream::State* s) noexcept : s_(s) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h);
  void await_resume() const;

  void abort() noexcept override;

 private:
  TcpStream::State* s_;
  uv_shutdown_t req_{};
  int status_ = 0;
  bool aborted_ = false;
};

class ConnectAwaiter final : public Suspension {
 public:
  ConnectAwaiter(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}
  ~ConnectAwaiter();
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h);
  TcpStream await_resume();

  void abort() noexcept override;

 private:
  std::string host_;
  std::uint16_t port_;
  TcpStream::State* s_ = nullptr;
  uv_connect_t req_{};
  int status_ = 0;
  bool aborted_ = false;
};

class TcpListener {
 public:
  struct Options {
    int backlog = 1024;
    // SO_REUSEPORT, so that one listener per worker thread can bind the same
    // port and the kernel spreads connections among them. libuv 1.44 has no
    // flag for it: the socket is made here and handed over with uv_tcp_open.
    bool reuse_port = false;
  };
  struct State;

  TcpListener() noexcept = default;
  TcpListener(TcpListener&& o) noexcept;
  TcpListener& operator=(TcpListener&& o) noexcept;
  ~TcpListener() { close(); }

  // Binds and listens on this thread's loop. Port 0 picks a free port.
  static TcpListener bind(const std::string& host, std::uint16_t port, Options options);
  static TcpListener bind(const std::string& host, std::uint16_t port) { return bind(host, port, Options{}); }

  std::uint16_t port() const;
  bool is_open() const noexcept { return s_ != nullptr; }

  // The next connection. One task accepts at a time.
  [[nodiscard]] AcceptAwaiter accept();
  // A connection the kernel has already queued for this listener, or a
  // closed stream when there is none; never waits. For a listener about to
  // close: the kernel resets what is still queued when it closes, even with
  // other SO_REUSEPORT listeners on the port. UvError if accept(2) fails.
  TcpStream try_accept();
  // Stops listening; a task parked in accept() wakes with UvError(UV_ECANCELED).
  void close() noexcept;

 private:
  State* s_ = nullptr;
};

class AcceptAwaiter final : public Suspension {
 public:
  explicit AcceptAwaiter(TcpListener::State* s) noexcept : s_(s) {}
  ~AcceptAwaiter();
  bool await_ready();
  bool await_suspend(std::coroutine_handle<> h);
  TcpStream await_resume();

  void abort() noexcept override;
  void complete(int status) noexcept;

 private:
  void take_connection() noexcept;

  TcpListener::State* s_;
  TcpStream::State* accepted_ = nullptr;
  int status_ = 0;
};

}  // namespace brisk
