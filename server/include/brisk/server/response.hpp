#pragma once
// Response: what a handler returns (status, headers, body), and its
// serialisation into the bytes the connection writes.
//
//   co_return Response::text("hello");
//   co_return Response::json({{"id", id}}, 201);
//   co_return Response::status(204).with_header("Cache-Control", "no-store");
//   co_return Response::stream(numbers(10), "text/plain");  // a Generator<std::string>
//
// Serialisation appends to a std::string the caller owns, so the responses to
// several pipelined requests go out in one write. The framing headers belong
// to the serialiser, never to the handler:
//   Content-Length / Transfer-Encoding  from the body (and ResponseContext),
//   Connection                          from the keep-alive decision,
//   Date, Server                        from the context, unless the handler
//                                       set its own.
// A handler's Content-Length, Transfer-Encoding and Connection headers are
// dropped, with two exceptions: "Connection: close" closes the connection
// after this response, and a streamed response (ResponseContext::streamed)
// that sets Content-Length (digits only; any other value is dropped) is sent
// with that length instead of chunked.
// 1xx, 204 and 304 responses carry neither a body nor a Content-Length; the
// response to HEAD carries the head the GET would have had, and no body.

#include <brisk/runtime/generator.hpp>
#include <brisk/server/headers.hpp>
#include <brisk/server/http_error.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace brisk::server {

class Response {
 public:
  Response() = default;

  // text/plain; charset=utf-8
  static Response text(std::string body) { return text(200, std::move(body)); }
  static Response text(int status, std::string body);
  // application/json; the value is dumped compactly, invalid UTF-8 replaced.
  static Response json(const nlohmann::json& value, int status = 200);
  // An empty body and no Content-Type.
  static Response status(int code);
  // The error's status and headers, its message (and a newline) as a
  // text/plain body. A status outside 100..999 becomes 500.
  static Response from(const HttpError& error);
  // A body produced while it is sent: each string the generator yields goes
  // out as it comes (chunked to HTTP/1.1 clients, until close to HTTP/1.0
  // ones). The generator runs in the connection's task after the handler has
  // returned, so whatever it reads (the Request, say) must live as long as
  // the connection's current request does: captures by value, or the Request.
  static Response stream(Generator<std::string> chunks, std::string_view content_type, int status = 200);

  int status() const noexcept { return status_; }
  // Throws std::invalid_argument outside 100..999 (the status line has three
  // digits).
  void set_status(int code);

  Headers& headers() noexcept { return headers_; }
  const Headers& headers() const noexcept { return headers_; }
  std::string& body() noexcept { return body_; }
  const std::string& body() const noexcept { return body_; }
  // The streamed body, or nullptr for a body held in body().
  Generator<std::string>* chunks() noexcept { return chunks_ ? &*chunks_ : nullptr; }
  bool streamed() const noexcept { return chunks_.has_value(); }

  // headers().add(name, value), for chaining.
  Response& with_header(std::string_view name, std::string_view value) &;
  Response&& with_header(std::string_view name, std::string_view value) &&;

 private:
  int status_ = 200;
  Headers headers_;
  std::string body_;
  std::optional<Generator<std::string>> chunks_;
};

// The reason phrase of a status code ("Not Found"); "" for codes without one.
std::string_view reason_phrase(int status) noexcept;

// What the serialiser needs to know about the request and the connection.
struct ResponseContext {
  std::string_view date;    // DateCache::now(); "" sends no Date
  std::string_view server;  // the Server header; "" sends none
  bool head_request = false;
  bool http10 = false;     // the request was HTTP/1.0
  bool keep_alive = true;  // the connection stays open after this response
  // The body is not in the Response: the caller sends it after the head,
  // with append_chunk()/append_last_chunk() when the framing is chunked.
  bool streamed = false;
};

// How the body after the head is delimited, and so what the caller writes.
enum class BodyFraming : std::uint8_t {
  none,     // no body follows (HEAD, 1xx, 204, 304)
  length,   // exactly Content-Length bytes follow
  chunked,  // chunks, then the last chunk
  close,    // bytes until the connection closes (a streamed body to HTTP/1.0)
};

struct HeadInfo {
  BodyFraming framing;
  bool keep_alive;  // false: close the connection once this response is out
};

// The status line and headers, through the empty line.
HeadInfo append_head(std::string& out, const Response& response, const ResponseContext& context);
// append_head() and then the body when the framing says one follows. For a
// response whose body is in the Response (not streamed).
HeadInfo append_response(std::string& out, const Response& response, const ResponseContext& context);

// One chunk of a chunked body; empty data writes nothing (an empty chunk
// would end the body).
void append_chunk(std::string& out, std::string_view data);
// The last chunk and the empty trailer section.
void append_last_chunk(std::string& out);

// The interim response to "Expect: 100-continue".
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace brisk::server
