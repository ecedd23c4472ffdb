#pragma once
// HttpError: thrown by a handler, a middleware or the request helpers
// (Request::json(), percent-decoding) to answer with an HTTP status instead
// of a 500. The connection turns it into Response::from(error): the status,
// the message as a text/plain body, and the extra headers (Retry-After,
// Allow, WWW-Authenticate...).
//
//   throw HttpError(404, "no such user");
//   Headers h;
//   h.add("Retry-After", "1");
//   throw HttpError(503, "busy", std::move(h));
//
// The message goes to the client: say what was wrong with the request, not
// how the server works inside, and do not quote the request back (a decoded
// parameter may hold CR LF or markup of the client's choosing).

#include <brisk/server/headers.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace brisk::server {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message, Headers headers = {})
      : std::runtime_error(message), status_(status), headers_(std::move(headers)) {}

  int status() const noexcept { return status_; }
  const Headers& headers() const noexcept { return headers_; }

 private:
  int status_;
  Headers headers_;
};

}  // namespace brisk::server
