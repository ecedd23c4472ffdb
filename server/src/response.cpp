#include <brisk/server/response.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace brisk::server {
namespace {

constexpr std::string_view text_plain = "text/plain; charset=utf-8";

enum class Managed { none, date, server, connection, content_length, transfer_encoding };

Managed classify(std::string_view name) noexcept {
  switch (name.size()) {
    case 4:
      return iequals(name, "date") ? Managed::date : Managed::none;
    case 6:
      return iequals(name, "server") ? Managed::server : Managed::none;
    case 10:
      return iequals(name, "connection") ? Managed::connection : Managed::none;
    case 14:
      return iequals(name, "content-length") ? Managed::content_length : Managed::none;
    case 17:
      return iequals(name, "transfer-encoding") ? Managed::transfer_encoding : Managed::none;
    default:
      return Managed::none;
  }
}

// Whether the comma-separated list `value` holds `token` (any case).
bool has_token(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    std::size_t first = item.find_first_not_of(" \t");
    std::size_t last = item.find_last_not_of(" \t");
    if (first != item.npos && iequals(item.substr(first, last - first + 1), token)) {
      return true;
    }
    value = comma == value.npos ? std::string_view() : value.substr(comma + 1);
  }
  return false;
}

bool is_digits(std::string_view v) noexcept {
  return !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

Response Response::text(int status, std::string body) {
  Response r;
  r.set_status(status);
  r.headers_.add_trusted("Content-Type", text_plain);
  r.body_ = std::move(body);
  return r;
}

Response Response::json(const nlohmann::json& value, int status) {
  Response r;
  r.set_status(status);
  r.headers_.add_trusted("Content-Type", "application/json");
  r.body_ = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::stream(Generator<std::string> chunks, std::string_view content_type, int status) {
  Response r;
  r.set_status(status);
  r.headers_.add("Content-Type", content_type);
  r.chunks_.emplace(std::move(chunks));
  return r;
}

Response Response::status(int code) {
  Response r;
  r.set_status(code);
  return r;
}

Response Response::from(const HttpError& error) {
  // A status that cannot be sent is the thrower's bug: the client gets a 500,
  // not a connection closed under it.
  const int status = error.status() >= 100 && error.status() <= 999 ? error.status() : 500;
  Response r = text(status, std::string(error.what()) + "\n");
  for (auto field : error.headers()) {
    if (iequals(field.name, "content-type")) {
      r.headers_.set(field.name, field.value);
    } else {
      r.headers_.add(field.name, field.value);
    }
  }
  return r;
}

void Response::set_status(int code) {
  if (code < 100 || code > 999) {
    throw std::invalid_argument("HTTP status " + std::to_string(code) + " is not three digits");
  }
  status_ = code;
}

Response& Response::with_header(std::string_view name, std::string_view value) & {
  headers_.add(name, value);
  return *this;
}

Response&& Response::with_header(std::string_view name, std::string_view value) && {
  headers_.add(name, value);
  return std::move(*this);
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 103: return "Early Hints";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "";
  }
}

namespace {

// Writes at a cursor into space the caller has already made room for.
struct Cursor {
  char* at;

  void put(std::string_view s) noexcept {
    std::memcpy(at, s.data(), s.size());
    at += s.size();
  }
  void put(char c) noexcept { *at++ = c; }
  void field(std::string_view name, std::string_view value) noexcept {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
};

// What the head adds besides the response's own fields and the context's
// Server and Date: the status line less its reason, the two names, the
// longest framing field ("Content-Length: " and 20 digits), the longest
// Connection field and the empty line.
constexpr std::size_t fixed_head_bytes = std::string_view("HTTP/1.1 200 \r\n").size() +
                                         std::string_view("Server: \r\nDate: \r\n").size() +
                                         std::string_view("Content-Length: 18446744073709551615\r\n").size() +
                                         std::string_view("Connection: keep-alive\r\n").size() + 2;

// An upper bound on what write_head() writes (a dropped field is counted
// anyway; a streamed Content-Length is counted as the field it came from).
std::size_t head_bound(const Response& response, const ResponseContext& context, std::string_view reason) noexcept {
  std::size_t bound = fixed_head_bytes + reason.size() + context.server.size() + context.date.size();
  for (auto field : response.headers()) {
    bound += field.name.size() + field.value.size() + 4;
  }
  return bound;
}

HeadInfo write_head(Cursor& out, const Response& response, const ResponseContext& context, std::string_view reason) {
  const int status = response.status();
  const bool interim = status < 200;
  const bool bodiless = interim || status == 204 || status == 304;
  bool keep_alive = context.keep_alive;
  std::string_view streamed_length;

  out.put("HTTP/1.1 ");
  out.put(static_cast<char>('0' + status / 100));
  out.put(static_cast<char>('0' + status / 10 % 10));
  out.put(static_cast<char>('0' + status % 10));
  out.put(' ');
  out.put(reason);
  out.put("\r\n");

  bool has_date = false;
  bool has_server = false;
  for (auto field : response.headers()) {
    switch (classify(field.name)) {
      case Managed::none:
        break;
      case Managed::date:
        has_date = true;
        break;
      case Managed::server:
        has_server = true;
        break;
      case Managed::connection:
        // 101 Switching Protocols carries the handler's "Connection: upgrade".
        if (status == 101) {
          break;
        }
        if (has_token(field.value, "close")) {
          keep_alive = false;
        }
        continue;
      case Managed::content_length:
        // Only a plain number frames a streamed body ("1, 1" or "-1" would
        // make the response itself malformed); anything else is dropped and
        // the body goes out chunked.
        if (context.streamed && is_digits(field.value)) {
          streamed_length = field.value;
        }
        continue;
      case Managed::transfer_encoding:
        continue;
    }
    out.field(field.name, field.value);
  }
  if (!has_server && !context.server.empty()) {
    out.field("Server", context.server);
  }
  if (!has_date && !context.date.empty()) {
    out.field("Date", context.date);
  }

  // 1xx, 204 and 304 have neither a body nor a Content-Length (RFC 9110 8.6);
  // a HEAD response has the GET's length or coding and nothing after it.
  BodyFraming framing;
  if (bodiless) {
    framing = BodyFraming::none;
  } else if (!context.streamed || !streamed_length.empty()) {
    if (context.streamed) {
      out.field("Content-Length", streamed_length);
    } else {
      char digits[24];
      auto end = std::to_chars(digits, digits + sizeof digits, response.body().size()).ptr;
      out.field("Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));
    }
    framing = context.head_request ? BodyFraming::none : BodyFraming::length;
  } else if (context.http10) {
    // HTTP/1.0 has no chunked coding: the end of the body is the close.
    framing = context.head_request ? BodyFraming::none : BodyFraming::close;
    keep_alive = false;
  } else {
    out.put("Transfer-Encoding: chunked\r\n");
    framing = context.head_request ? BodyFraming::none : BodyFraming::chunked;
  }

  if (!interim) {
    if (!keep_alive) {
      out.put("Connection: close\r\n");
    } else if (context.http10) {
      out.put("Connection: keep-alive\r\n");
    }
  }
  out.put("\r\n");
  return {framing, keep_alive};
}

// The head, and the body when `with_body` and the framing says one follows.
// The head is written in place: one resize to its upper bound, one to what
// it took.
HeadInfo append(std::string& out, const Response& response, const ResponseContext& context, bool with_body) {
  const std::string_view reason = reason_phrase(response.status());
  const std::size_t start = out.size();
  const std::size_t bound = head_bound(response, context, reason);
  out.reserve(start + bound + (with_body ? response.body().size() : 0));
  out.resize(start + bound);
  Cursor cursor{out.data() + start};
  HeadInfo info = write_head(cursor, response, context, reason);
  out.resize(static_cast<std::size_t>(cursor.at - out.data()));
  if (with_body && info.framing == BodyFraming::length) {
    out.append(response.body());
  }
  return info;
}

}  // namespace

HeadInfo append_head(std::string& out, const Response& response, const ResponseContext& context) {
  return append(out, response, context, false);
}

HeadInfo append_response(std::string& out, const Response& response, const ResponseContext& context) {
  return append(out, response, context, !context.streamed);
}

void append_chunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;
  }
  char digits[20];
  auto end = std::to_chars(digits, digits + sizeof digits, data.size(), 16).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits)).append("\r\n").append(data).append("\r\n");
}

void append_last_chunk(std::string& out) { out.append("0\r\n\r\n"); }

}  // namespace brisk::server
