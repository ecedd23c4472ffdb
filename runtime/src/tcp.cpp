#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/task_state.hpp>

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <new>
#include <utility>

namespace brisk {

// A heap block shared by its owner (the TcpStream/TcpListener object) and
// libuv (until the close callback); freed when both have let go.
struct TcpStream::State {
  uv_tcp_t tcp;
  ReadAwaiter* reader = nullptr;
  // Hang-up watch: the task to cancel, what arrived meanwhile, and how the
  // stream ended (0 while open). `handed_out` backs the view read() returned.
  // Allocated only when bytes arrive while nobody reads (a handler is busy),
  // so that a stream, of which a server holds thousands idle, stays small.
  struct Kept {
    std::string kept;
    std::string handed_out;
  };
  TaskState* watcher = nullptr;
  std::unique_ptr<Kept> held;
  ssize_t ended = 0;

  std::size_t kept_size() const noexcept { return held ? held->kept.size() : 0; }
  bool reading = false;
  // Edge-triggered reporting (see track_edge): armed on this socket; whether
  // a drained read came before (a connection's first request does not pay
  // the epoll_ctl, one that comes back does); whether FinWatch watches it;
  // whether the peer's FIN has come (never edge-triggered after it).
  bool edge = false;
  bool drained_before = false;
  bool fin_watched = false;
  bool peer_fin = false;
  bool owned = true;
  bool closing = false;
  bool closed = false;
};

struct TcpListener::State {
  uv_tcp_t tcp;
  AcceptAwaiter* acceptor = nullptr;
  int pending = 0;
  bool owned = true;
  bool closing = false;
  bool closed = false;
};

namespace {

// The loop's read buffer: every connection on this thread reads into it and
// keeps only what it could not parse.
constexpr std::size_t read_buffer_size = 64 * 1024;
constexpr std::size_t max_kept_bytes = 64 * 1024;
thread_local char read_buffer[read_buffer_size];

template <typename H>
uv_handle_t* as_handle(H* h) noexcept {
  return reinterpret_cast<uv_handle_t*>(h);
}
template <typename H>
uv_stream_t* as_stream(H* h) noexcept {
  return reinterpret_cast<uv_stream_t*>(h);
}

template <typename S>
S* state_of(const uv_handle_t* h) noexcept {
  return static_cast<S*>(h->data);
}

template <typename S>
void on_closed(uv_handle_t* h) noexcept {
  S* s = state_of<S>(h);
  s->closed = true;
  if (!s->owned) {
    delete s;
  }
}

// libuv registers sockets level-triggered, and level-triggered epoll puts
// every socket it reports straight back on its ready list, ahead of any that
// become ready while that batch is being served. Under load, a connection
// whose request arrives just after a batch was collected then waits behind
// the whole next batch. Edge-triggered, as nginx registers them, sockets are
// served in the order their data came (bench/README.md, "p99"). That is
// safe only while no report can be missed:
// - A read that fills the buffer goes back to level-triggered: libuv stops
//   after 32 reads and waits for the next report, which would never come.
// - A read that comes back short leaves a FIN that arrived with the data
//   unread, and libuv neither asks for nor passes on EPOLLRDHUP: FinWatch
//   below watches for it and goes back to level-triggered.
// - The registration is libuv's own (its watcher's events, the fd as epoll
//   data, as libuv 1.44 registers them), and any change libuv makes to it is
//   level-triggered again: `edge` may claim edge-triggered when libuv has
//   since re-registered (harmless); it says level-triggered while the socket
//   is edge-triggered only once libuv has a re-registration queued, which it
//   applies before it next polls (relevelled()).
void set_edge(TcpStream::State* s, bool edge) noexcept {
  const uv__io_t& w = s->tcp.io_watcher;
  epoll_event ev{};
  ev.events = w.events | (edge ? static_cast<std::uint32_t>(EPOLLET) : 0U);
  ev.data.fd = w.fd;
  if (epoll_ctl(uv_backend_fd(s->tcp.loop), EPOLL_CTL_MOD, w.fd, &ev) == 0) {
    s->edge = edge;
  }
}

// A second epoll instance, one per loop and polled by it, in which every
// edge-triggered socket is registered for EPOLLRDHUP alone: the peer's FIN.
class FinWatch {
 public:
  // Registers `s`; false when it cannot be watched (then it stays
  // level-triggered).
  static bool watch(TcpStream::State* s) noexcept {
    FinWatch* w = of(s->tcp.loop);
    if (w == nullptr) {
      return false;
    }
    epoll_event ev{};
    ev.events = EPOLLRDHUP | EPOLLET;
    ev.data.ptr = s;
    return epoll_ctl(w->epfd_, EPOLL_CTL_ADD, s->tcp.io_watcher.fd, &ev) == 0;
  }

  // Before the socket closes: epoll forgets a socket only when its last
  // reference goes, which a dup() elsewhere would outlive its State.
  static void unwatch(TcpStream::State* s) noexcept {
    if (current != nullptr && current->poll_.loop == s->tcp.loop) {
      epoll_ctl(current->epfd_, EPOLL_CTL_DEL, s->tcp.io_watcher.fd, nullptr);
    }
  }

 private:
  static FinWatch* of(uv_loop_t* loop) noexcept {
    if (current != nullptr && current->poll_.loop == loop) {
      return current;
    }
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
      return nullptr;
    }
    auto* w = new (std::nothrow) FinWatch;
    if (w == nullptr || uv_poll_init(loop, &w->poll_, epfd) != 0) {
      close(epfd);
      delete w;
      return nullptr;
    }
    w->epfd_ = epfd;
    w->poll_.data = w;
    if (uv_poll_start(&w->poll_, UV_READABLE, &FinWatch::on_ready) != 0) {
      w->close_later();
      return nullptr;
    }
    uv_unref(as_handle(&w->poll_));  // it never keeps a loop running
    current = w;
    Loop::current().at_shutdown([w] {
      if (current == w) {
        current = nullptr;
      }
      w->close_later();
    });
    return w;
  }

  void close_later() noexcept {
    uv_close(as_handle(&poll_), [](uv_handle_t* h) {
      auto* self = static_cast<FinWatch*>(h->data);
      close(self->epfd_);
      delete self;
    });
  }

  static void on_ready(uv_poll_t* poll, int, int) noexcept {
    auto* self = static_cast<FinWatch*>(poll->data);
    epoll_event events[64];
    int n = 0;
    do {
      n = epoll_wait(self->epfd_, events, 64, 0);
      for (int i = 0; i < n; ++i) {
        auto* s = static_cast<TcpStream::State*>(events[i].data.ptr);
        s->peer_fin = true;
        if (s->edge && !s->closing) {
          set_edge(s, false);  // libuv polls it again and reads the end
        }
      }
    } while (n == 64);
  }

  static thread_local FinWatch* current;
  int epfd_ = -1;
  uv_poll_t poll_;
};

thread_local FinWatch* FinWatch::current = nullptr;

// Starts libuv's close; a parked reader is told the stream is gone.
void begin_close(TcpStream::State* s, bool rst) noexcept {
  if (s->closing) {
    return;
  }
  s->closing = true;
  if (ReadAwaiter* r = std::exchange(s->reader, nullptr)) {
    r->fail(UV_ECANCELED);
  }
  if (s->fin_watched) {
    FinWatch::unwatch(s);
  }
  if (!rst || uv_tcp_close_reset(&s->tcp, &on_closed<TcpStream::State>) != 0) {
    uv_close(as_handle(&s->tcp), &on_closed<TcpStream::State>);
  }
}

void release_stream(TcpStream::State* s, bool rst) noexcept {
  s->owned = false;
  if (!s->closing) {
    begin_close(s, rst);
  } else if (s->closed) {
    delete s;
  }
}

TcpStream::State* new_stream_state(uv_loop_t* loop) {
  auto* s = new TcpStream::State;
  uv_tcp_init(loop, &s->tcp);
  s->tcp.data = s;
  return s;
}

void on_alloc(uv_handle_t*, std::size_t, uv_buf_t* buf) noexcept {
  *buf = uv_buf_init(read_buffer, read_buffer_size);
}

std::atomic<bool> edge_triggered_on{BRISK_EDGE_TRIGGER_VERIFIED != 0};

void track_edge(TcpStream::State* s, ssize_t nread) noexcept {
  if (nread <= 0 || !edge_triggered_on.load(std::memory_order_relaxed)) {
    return;
  }
  const bool drained = static_cast<std::size_t>(nread) < read_buffer_size;
  const bool arm = drained && std::exchange(s->drained_before, true) && !s->peer_fin;
  if (arm == s->edge) {
    return;
  }
  const uv__io_t& w = s->tcp.io_watcher;
  if (arm && (w.events != w.pevents || (w.events & POLLOUT) != 0)) {
    return;  // libuv is about to re-register, or a write waits for room
  }
  if (arm && !s->fin_watched) {
    s->fin_watched = FinWatch::watch(s);
    if (!s->fin_watched) {
      return;
    }
  }
  set_edge(s, arm);
}

// After a call that may change libuv's interest in the socket: a change it
// has queued will register the socket level-triggered again, before any
// further report (a stop that cancels it leaves the watcher's events at 0,
// so the next start registers afresh).
void relevelled(TcpStream::State* s) noexcept {
  if (s->tcp.io_watcher.events != s->tcp.io_watcher.pevents) {
    s->edge = false;
  }
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* s = state_of<TcpStream::State>(as_handle(stream));
  if (nread == 0) {
    return;  // EAGAIN: nothing was read
  }
  track_edge(s, nread);
  if (ReadAwaiter* r = std::exchange(s->reader, nullptr)) {
    r->complete(nread, buf->base);
  } else if (nread > 0) {
    // For a hang-up watch, or bytes libuv read just before reading stops
    // below: either way they belong to the next read(), never dropped.
    if (!s->held) {
      s->held = std::make_unique<TcpStream::State::Kept>();
    }
    s->held->kept.append(buf->base, static_cast<std::size_t>(nread));
  } else {
    s->ended = nread;
    if (TaskState* watcher = std::exchange(s->watcher, nullptr)) {
      watcher->cancel();
    }
  }
  // Keep reading only for a reader that came straight back to read(), or for
  // a hang-up watch with room left: bytes nobody waits for stay in the kernel.
  bool keep = s->reader != nullptr || (s->watcher != nullptr && s->kept_size() < max_kept_bytes);
  if (!s->closing && s->reading && !keep) {
    uv_read_stop(stream);
    s->reading = false;
  }
}

// Writes what the socket takes now, unless that would overtake queued
// writes. 0 or a libuv error; `data` keeps what is left to send.
int write_what_fits(TcpStream::State* s, std::string_view& data) noexcept {
  if (data.empty() || s->tcp.write_queue_size != 0) {
    return 0;
  }
  uv_buf_t buf = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
  int n = uv_try_write(as_stream(&s->tcp), &buf, 1);
  if (n < 0) {
    return n == UV_EAGAIN ? 0 : n;
  }
  data.remove_prefix(static_cast<std::size_t>(n));
  return 0;
}

void start_reading(TcpStream::State* s) noexcept {
  if (!s->reading && !s->closing && s->ended == 0) {
    s->reading = uv_read_start(as_stream(&s->tcp), &on_alloc, &on_read) == 0;
    relevelled(s);
  }
}

std::string format_address(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {};
  std::string out;
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    uv_ip4_name(&a, ip, sizeof ip);
    out.append(ip).append(":").append(std::to_string(ntohs(a.sin_port)));
  } else if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    uv_ip6_name(&a, ip, sizeof ip);
    out.append("[").append(ip).append("]:").append(std::to_string(ntohs(a.sin6_port)));
  } else {
    out = "unknown";
  }
  return out;
}

struct AddrInfoDeleter {
  void operator()(addrinfo* ai) const noexcept { freeaddrinfo(ai); }
};

std::unique_ptr<addrinfo, AddrInfoDeleter> resolve(const std::string& host, std::uint16_t port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* out = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &out);
  if (rc != 0) {
    throw UvError(UV_EAI_NONAME, "resolve " + host + ": " + gai_strerror(rc));
  }
  return std::unique_ptr<addrinfo, AddrInfoDeleter>(out);
}

}  // namespace

// --- TcpStream ---

bool edge_triggered_supported() noexcept { return BRISK_EDGE_TRIGGER_VERIFIED != 0; }

void set_edge_triggered(bool on) noexcept {
  edge_triggered_on.store(on && edge_triggered_supported(), std::memory_order_relaxed);
}

bool edge_triggered() noexcept { return edge_triggered_on.load(std::memory_order_relaxed); }

TcpStream::TcpStream(TcpStream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}

TcpStream& TcpStream::operator=(TcpStream&& o) noexcept {
  if (this != &o) {
    close();
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}

bool TcpStream::is_open() const noexcept { return s_ != nullptr && !s_->closing; }

ReadAwaiter TcpStream::read() { return ReadAwaiter{s_}; }
WriteAwaiter TcpStream::write(std::string_view data) { return WriteAwaiter{s_, data}; }
ShutdownAwaiter TcpStream::shutdown() { return ShutdownAwaiter{s_}; }
ConnectAwaiter TcpStream::connect(std::string host, std::uint16_t port) { return ConnectAwaiter{std::move(host), port}; }

void TcpStream::close() noexcept {
  if (s_ != nullptr) {
    release_stream(std::exchange(s_, nullptr), false);
  }
}

void TcpStream::reset() noexcept {
  if (s_ != nullptr) {
    release_stream(std::exchange(s_, nullptr), true);
  }
}

void TcpStream::watch_hangup(TaskState* task) noexcept {
  if (!is_open()) {
    return;
  }
  s_->watcher = task;
  if (task != nullptr && s_->kept_size() < max_kept_bytes) {
    start_reading(s_);
  }
}

bool TcpStream::hung_up() const noexcept { return s_ != nullptr && s_->ended != 0; }

void TcpStream::set_nodelay(bool on) noexcept {
  if (is_open()) {
    uv_tcp_nodelay(&s_->tcp, on ? 1 : 0);
  }
}

std::size_t TcpStream::write_queue_size() const noexcept { return s_ != nullptr ? s_->tcp.write_queue_size : 0; }

int TcpStream::fileno() const noexcept {
  uv_os_fd_t fd = -1;
  if (s_ == nullptr || s_->closing || uv_fileno(as_handle(&s_->tcp), &fd) != 0) {
    return -1;
  }
  return fd;
}

std::string TcpStream::peer_address() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (!is_open() || uv_tcp_getpeername(&s_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return "unknown";
  }
  return format_address(ss);
}

std::string TcpStream::local_address() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (!is_open() || uv_tcp_getsockname(&s_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return "unknown";
  }
  return format_address(ss);
}

// --- read ---

bool ReadAwaiter::await_ready() noexcept {
  if (s_ == nullptr) {
    return false;
  }
  if (s_->kept_size() != 0) {
    auto& held = *s_->held;
    held.handed_out.swap(held.kept);
    held.kept.clear();
    data_ = held.handed_out.data();
    result_ = static_cast<ssize_t>(held.handed_out.size());
    return true;
  }
  if (s_->ended != 0) {
    result_ = s_->ended;
    return true;
  }
  return false;
}

bool ReadAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (s_ == nullptr || s_->closing) {
    result_ = UV_EBADF;
    return false;
  }
  if (s_->reader != nullptr) {
    throw InvalidStateError("two tasks reading one TcpStream at once");
  }
  if (!park(h)) {
    return false;
  }
  if (!s_->reading) {
    int rc = uv_read_start(as_stream(&s_->tcp), &on_alloc, &on_read);
    if (rc < 0) {
      result_ = rc;
      wake();
      return true;
    }
    s_->reading = true;
    relevelled(s_);
  }
  if (s_->held && s_->held->kept.empty()) {
    s_->held.reset();  // an idle stream holds no buffer
  }
  s_->reader = this;
  return true;
}

std::string_view ReadAwaiter::await_resume() const {
  raise_if_cancelled();
  if (result_ == UV_EOF) {
    return {};
  }
  if (result_ < 0) {
    throw UvError(static_cast<int>(result_), "read");
  }
  return {data_, static_cast<std::size_t>(result_)};
}

void ReadAwaiter::complete(ssize_t nread, const char* data) noexcept {
  result_ = nread;
  data_ = data;
  wake_now();
}

void ReadAwaiter::fail(int code) noexcept {
  result_ = code;
  wake();
}

void ReadAwaiter::abort() noexcept {
  s_->reader = nullptr;
  if (s_->reading) {
    uv_read_stop(as_stream(&s_->tcp));
    s_->reading = false;
  }
  wake_cancelled();
}

// --- write ---

bool WriteAwaiter::await_ready() {
  if (s_ == nullptr || s_->closing) {
    status_ = UV_EPIPE;
    return true;
  }
  // Most writes fit in the socket buffer: try first and skip the request
  // machinery.
  status_ = write_what_fits(s_, data_);
  return status_ < 0 || (data_.empty() && proceed());
}

bool WriteAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (yielding()) {
    requeue(h);
    return true;
  }
  if (!park(h)) {
    return false;
  }
  uv_buf_t buf = uv_buf_init(const_cast<char*>(data_.data()), static_cast<unsigned>(data_.size()));
  req_.data = this;
  int rc = uv_write(&req_, as_stream(&s_->tcp), &buf, 1, &WriteAwaiter::on_written);
  relevelled(s_);
  if (rc < 0) {
    status_ = rc;
    wake();
  }
  return true;
}

void WriteAwaiter::on_written(uv_write_t* req, int status) noexcept {
  auto* self = static_cast<WriteAwaiter*>(req->data);
  self->status_ = status;
  if (self->aborted_) {
    self->wake_cancelled();
  } else {
    self->wake();
  }
}

void WriteAwaiter::await_resume() const {
  raise_if_cancelled();
  if (status_ < 0) {
    throw UvError(status_, "write");
  }
}

void WriteAwaiter::abort() noexcept {
  // A libuv write cannot be withdrawn; closing the stream makes it finish
  // with UV_ECANCELED, and only then may the frame holding the bytes go.
  aborted_ = true;
  begin_close(s_, false);
}

void TcpStream::send(std::string data) {
  if (s_ == nullptr || s_->closing) {
    return;
  }
  std::string_view rest = data;
  if (write_what_fits(s_, rest) < 0 || rest.empty()) {
    return;  // all gone, or the stream failed: its reader will hear of it
  }
  data.erase(0, data.size() - rest.size());
  struct Sent {
    uv_write_t req;
    std::string bytes;
  };
  auto* sent = new Sent{{}, std::move(data)};
  sent->req.data = sent;
  uv_buf_t buf = uv_buf_init(sent->bytes.data(), static_cast<unsigned>(sent->bytes.size()));
  // Done, failed or cancelled by a close: the bytes are ours to free.
  int rc = uv_write(&sent->req, as_stream(&s_->tcp), &buf, 1,
                    [](uv_write_t* req, int) { delete static_cast<Sent*>(req->data); });
  relevelled(s_);
  if (rc < 0) {
    delete sent;
  }
}

// --- shutdown ---

bool ShutdownAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (!park(h)) {
    return false;
  }
  req_.data = this;
  int rc = (s_ == nullptr || s_->closing)
               ? UV_EPIPE
               : uv_shutdown(&req_, as_stream(&s_->tcp), [](uv_shutdown_t* req, int status) {
                   auto* self = static_cast<ShutdownAwaiter*>(req->data);
                   self->status_ = status;
                   if (self->aborted_) {
                     self->wake_cancelled();
                   } else {
                     self->wake();
                   }
                 });
  if (rc < 0) {
    status_ = rc;
    wake();
  } else {
    relevelled(s_);
  }
  return true;
}

void ShutdownAwaiter::await_resume() const {
  raise_if_cancelled();
  if (status_ < 0 && status_ != UV_ENOTCONN) {
    throw UvError(status_, "shutdown");
  }
}

void ShutdownAwaiter::abort() noexcept {
  aborted_ = true;
  begin_close(s_, false);
}

// --- connect ---

ConnectAwaiter::~ConnectAwaiter() {
  if (s_ != nullptr) {
    release_stream(s_, false);
  }
}

bool ConnectAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (!park(h)) {
    return false;
  }
  try {
    auto ai = resolve(host_, port_, false);
    s_ = new_stream_state(task()->loop().uv());
    req_.data = this;
    uv_check(uv_tcp_connect(&req_, &s_->tcp, ai->ai_addr,
                            [](uv_connect_t* req, int status) {
                              auto* self = static_cast<ConnectAwaiter*>(req->data);
                              self->status_ = status;
                              if (self->aborted_) {
                                self->wake_cancelled();
                              } else {
                                self->wake();
                              }
                            }),
             "connect");
  } catch (const UvError& e) {
    status_ = e.code();
    wake();
  }
  return true;
}

TcpStream ConnectAwaiter::await_resume() {
  raise_if_cancelled();
  if (status_ < 0) {
    throw UvError(status_, "connect to " + host_ + ":" + std::to_string(port_));
  }
  return TcpStream{std::exchange(s_, nullptr)};
}

void ConnectAwaiter::abort() noexcept {
  aborted_ = true;
  begin_close(s_, false);
}

// --- listener ---

namespace {

void begin_close(TcpListener::State* s) noexcept {
  if (s->closing) {
    return;
  }
  s->closing = true;
  if (AcceptAwaiter* a = std::exchange(s->acceptor, nullptr)) {
    a->complete(UV_ECANCELED);
  }
  uv_close(as_handle(&s->tcp), &on_closed<TcpListener::State>);
}

void on_connection(uv_stream_t* server, int status) noexcept {
  auto* s = state_of<TcpListener::State>(as_handle(server));
  if (AcceptAwaiter* a = std::exchange(s->acceptor, nullptr)) {
    a->complete(status);
  } else if (status == 0) {
    ++s->pending;  // libuv holds it and stops polling until uv_accept
  }
}

}  // namespace

TcpListener::TcpListener(TcpListener&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}

TcpListener& TcpListener::operator=(TcpListener&& o) noexcept {
  if (this != &o) {
    close();
    s_ = std::exchange(o.s_, nullptr);
  }
  return *this;
}

TcpListener TcpListener::bind(const std::string& host, std::uint16_t port, Options options) {
  auto ai = resolve(host, port, true);
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw UvError(uv_translate_sys_error(errno), "socket");
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    ::close(fd);
    throw UvError(uv_translate_sys_error(err), "setsockopt SO_REUSEPORT");
  }
  if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    int err = errno;
    ::close(fd);
    throw UvError(uv_translate_sys_error(err), "bind " + host + ":" + std::to_string(port));
  }
  auto* s = new State;
  uv_tcp_init(Loop::current().uv(), &s->tcp);
  s->tcp.data = s;
  TcpListener listener;
  listener.s_ = s;
  if (int rc = uv_tcp_open(&s->tcp, fd); rc < 0) {
    ::close(fd);
    throw UvError(rc, "uv_tcp_open");
  }
  uv_check(uv_listen(as_stream(&s->tcp), options.backlog, &on_connection), "listen");
  return listener;
}

std::uint16_t TcpListener::port() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  uv_check(uv_tcp_getsockname(&s_->tcp, reinterpret_cast<sockaddr*>(&ss), &len), "getsockname");
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

AcceptAwaiter TcpListener::accept() { return AcceptAwaiter{s_}; }

TcpStream TcpListener::try_accept() {
  if (s_ == nullptr || s_->closing) {
    return TcpStream{};
  }
  TcpStream::State* accepted = new_stream_state(s_->tcp.loop);
  TcpStream stream{accepted};
  if (s_->pending > 0) {
    // libuv took this one from the kernel already and holds it for us.
    --s_->pending;
    uv_check(uv_accept(as_stream(&s_->tcp), as_stream(&accepted->tcp)), "accept");
    return stream;
  }
  uv_os_fd_t listening = -1;
  uv_check(uv_fileno(as_handle(&s_->tcp), &listening), "uv_fileno");
  const int fd = ::accept4(listening, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return TcpStream{};
    }
    throw UvError(uv_translate_sys_error(errno), "accept");
  }
  if (int rc = uv_tcp_open(&accepted->tcp, fd); rc < 0) {
    ::close(fd);
    throw UvError(rc, "uv_tcp_open");
  }
  return stream;
}

void TcpListener::close() noexcept {
  if (s_ == nullptr) {
    return;
  }
  State* s = std::exchange(s_, nullptr);
  s->owned = false;
  if (!s->closing) {
    begin_close(s);
  } else if (s->closed) {
    delete s;
  }
}

AcceptAwaiter::~AcceptAwaiter() {
  if (accepted_ != nullptr) {
    release_stream(accepted_, false);
  }
}

void AcceptAwaiter::take_connection() noexcept {
  accepted_ = new_stream_state(s_->tcp.loop);
  status_ = uv_accept(as_stream(&s_->tcp), as_stream(&accepted_->tcp));
  if (status_ < 0) {
    release_stream(std::exchange(accepted_, nullptr), false);
  }
}

bool AcceptAwaiter::await_ready() {
  if (s_ == nullptr || s_->closing) {
    status_ = UV_EBADF;
    return true;
  }
  if (s_->pending > 0) {
    --s_->pending;
    take_connection();
    return true;
  }
  return false;
}

bool AcceptAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (s_->acceptor != nullptr) {
    throw InvalidStateError("two tasks accepting on one TcpListener at once");
  }
  if (!park(h)) {
    return false;
  }
  s_->acceptor = this;
  return true;
}

void AcceptAwaiter::complete(int status) noexcept {
  if (status == 0) {
    take_connection();
  } else {
    status_ = status;
  }
  wake();
}

TcpStream AcceptAwaiter::await_resume() {
  raise_if_cancelled();
  if (status_ < 0) {
    throw UvError(status_, "accept");
  }
  return TcpStream{std::exchange(accepted_, nullptr)};
}

void AcceptAwaiter::abort() noexcept {
  s_->acceptor = nullptr;
  wake_cancelled();
}

}  // namespace brisk
