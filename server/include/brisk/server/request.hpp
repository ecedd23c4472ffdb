#pragma once
// Method, RequestHead (what the parser produces) and Request (what a handler
// sees).
//
// Ownership: a Request owns every byte it exposes: the head is copied once,
// by the parser, out of the connection's read buffer into the head's own
// buffers, so a handler may keep reading its Request after the connection has
// reused that buffer. A connection keeps one Request and one parser, and
// has its parser fill the Request's own head (RequestParser::parse_into), and
// Request::begin() derives the rest: in steady state a request allocates
// nothing for its head, and nothing is moved. Request::reset() takes a head
// filled elsewhere by swapping buffers.
//
// Path parameters are views: their names point into the Router's patterns
// (the router outlives its requests), their values are offsets into path().

#include <brisk/runtime/generator.hpp>
#include <brisk/server/headers.hpp>

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk::server {

// The methods llhttp knows for HTTP, numbered as llhttp numbers them.
enum class Method : std::uint8_t {
  delete_, get, head, post, put, connect, options, trace,
  copy, lock, mkcol, move, propfind, proppatch, search, unlock, bind, rebind, unbind, acl,
  report, mkactivity, checkout, merge, m_search, notify, subscribe, unsubscribe,
  patch, purge, mkcalendar, link, unlink, source,
};
inline constexpr std::size_t method_count = 34;

// "GET", "M-SEARCH"...
std::string_view to_string(Method m) noexcept;
// The method named exactly (case-sensitively, as on the wire) `name`.
std::optional<Method> parse_method(std::string_view name) noexcept;

// One parsed request head. The parser fills it and clears it (keeping its
// capacity) when the next message begins.
struct RequestHead {
  Method method = Method::get;
  std::string target;  // the request-target as received, still encoded
  std::uint8_t version_major = 1;
  std::uint8_t version_minor = 1;
  Headers headers;
  // Set when the request declared a Content-Length (chunked is then false).
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  // Per HTTP/1.0 and 1.1 rules (llhttp_should_keep_alive): 1.1 unless
  // "Connection: close", 1.0 only with "Connection: keep-alive".
  bool keep_alive = true;
  bool expect_continue = false;  // "Expect: 100-continue"
  // "Connection: upgrade" with an "Upgrade" header. The server may answer
  // 101 and take the connection over; if it does not, the connection goes on
  // as HTTP/1.1 (the parser keeps parsing requests).
  bool upgrade = false;
  // The trailer section of a chunked body, complete at the parser's
  // message_complete; kept apart from `headers` (RFC 9110 6.5.1: nothing in
  // it changes how the request is handled).
  Headers trailers;

  bool has_body() const noexcept { return chunked || content_length.value_or(0) > 0; }
  void clear() noexcept;
};

// The parameters a route pattern captured. Fixed capacity, so matching a
// route allocates nothing; the router refuses patterns with more.
struct PathParam {
  std::string_view name;  // into the route's pattern
  std::uint32_t offset;   // into the matched path
  std::uint32_t length;
};

class PathParams {
 public:
  static constexpr std::size_t capacity = 8;

  std::size_t size() const noexcept { return size_; }
  const PathParam& operator[](std::size_t i) const noexcept { return items_[i]; }
  void push(PathParam p) noexcept { items_[size_++] = p; }
  void pop() noexcept { --size_; }
  void clear() noexcept { size_ = 0; }

 private:
  std::array<PathParam, capacity> items_{};
  std::size_t size_ = 0;
};

// Where a streamed body comes from (the connection, which reads it off the
// socket as the handler asks for it).
class BodySource {
 public:
  virtual Generator<std::string> chunks() = 0;

 protected:
  ~BodySource() = default;
};

class Request {
 public:
  Request() = default;

  // Takes a new head from the parser by swapping buffers with `head` (which
  // the parser clears at its next message), forgets the previous request's
  // body and parameters, and decodes the path. Throws HttpError(400) for a
  // path that does not decode; the Request then still holds the head (the
  // error response needs its version and keep-alive).
  void reset(RequestHead& head, std::string_view peer);
  // The same, for a head that a parser filled in place (parse_into(head())):
  // nothing to swap.
  void begin(std::string_view peer);

  Method method() const noexcept { return head_.method; }
  std::string_view method_name() const noexcept { return to_string(head_.method); }
  const std::string& target() const noexcept { return head_.target; }
  // Percent-decoded; "." and ".." segments are not resolved (url.hpp).
  const std::string& path() const noexcept { return path_; }
  // After '?', still encoded.
  std::string_view raw_query() const noexcept {
    return std::string_view(head_.target).substr(query_offset_, query_length_);
  }
  // The decoded value of query parameter `name` (url.hpp: query_param).
  std::optional<std::string> query(std::string_view name) const;
  // Query parameter `name` as an integer from `low` to `high`, `fallback`
  // when absent; anything else throws HttpError 400 naming the parameter
  // and the range, not the value, which is the client's ("query parameter
  // ms: expected an integer from 0 to 10000").
  long query_int(std::string_view name, long fallback, long low, long high) const;
  std::vector<std::pair<std::string, std::string>> query_params() const;

  const Headers& headers() const noexcept { return head_.headers; }
  Headers& headers() noexcept { return head_.headers; }
  // A chunked body's trailer fields: complete once the body has been read
  // (a buffered body before the handler runs, a streamed one when its
  // generator ends); empty for other bodies.
  const Headers& trailers() const noexcept { return head_.trailers; }
  std::optional<std::string_view> header(std::string_view name) const noexcept { return head_.headers.get(name); }
  const RequestHead& head() const noexcept { return head_; }
  RequestHead& head() noexcept { return head_; }

  int version_major() const noexcept { return head_.version_major; }
  int version_minor() const noexcept { return head_.version_minor; }
  bool keep_alive() const noexcept { return head_.keep_alive; }
  // The connection clears it when it must close after this request
  // (draining, an error that leaves the framing unknown).
  void set_keep_alive(bool on) noexcept { head_.keep_alive = on; }

  // "203.0.113.7:51234", "[2001:db8::1]:443": whatever the connection set.
  const std::string& peer() const noexcept { return peer_; }

  // The path parameter `name` of the matched route ("/users/{id}" -> "42").
  // Throws std::out_of_range when the route has no such parameter.
  std::string_view param(std::string_view name) const;
  void set_params(const PathParams& params) noexcept { params_ = params; }

  // The buffered body: the connection appends it before the handler runs
  // (RouteOptions::body == BodyMode::buffered). A route with a streamed body
  // leaves it empty and reads the body through the connection as it arrives
  // instead; that interface belongs to the connection layer.
  std::string& body() noexcept { return body_; }
  const std::string& body() const noexcept { return body_; }
  // The body piece by piece: as it arrives for a streamed route, else the
  // buffered body() in one piece. Take it once per request; reading must end
  // before the handler's response is complete (the connection then discards
  // what is left, or closes).
  //
  //   auto body = req.body_chunks();
  //   while (auto chunk = co_await body.next()) { ... }
  Generator<std::string> body_chunks();
  void set_body_source(BodySource* source) noexcept { source_ = source; }
  // The body parsed as JSON (include <nlohmann/json.hpp> to call it). Throws HttpError(400, "invalid JSON body: <what
  // nlohmann says, without the bytes it quotes> at byte N") when it does not parse.
  nlohmann::json json() const;

 private:
  RequestHead head_;
  std::string path_;
  // Offsets, not a view: a view into a short target would dangle when the
  // Request is moved (small-string buffers move with the object).
  std::size_t query_offset_ = 0;
  std::size_t query_length_ = 0;
  std::string peer_;
  PathParams params_;
  std::string body_;
  BodySource* source_ = nullptr;
};

}  // namespace brisk::server
