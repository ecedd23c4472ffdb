#pragma once
// The access-log line of one request, in a format log tools already read:
//
//   combined (nginx's and Apache's, the default):
//     127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 13 "-" "curl/8.0"
//   json, one object per line:
//     {"time":"2000-10-10T13:55:36+00:00","remote_addr":"127.0.0.1","remote_port":50170,
//      "method":"GET","target":"/a","protocol":"HTTP/1.1","status":200,"body_bytes_sent":13,
//      "request_time":0.001,"referer":"","user_agent":"curl/8.0"}
//
// What the client sent (request line, Referer, User-Agent) is escaped so that
// it cannot end a field or a line early, so no client can forge a line: in
// combined as nginx does (`"`, `\` and every byte outside 0x20-0x7e as \xHH),
// in JSON as JSON strings require (bytes outside ASCII as \u00HH, one per
// byte, so the line stays valid JSON whatever the bytes were).
//
// The time is local time, as nginx's $time_local. It is formatted once per
// second per thread: a line costs no syscall and no strftime.

#include <brisk/config/config.hpp>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace brisk::server {

struct AccessEntry {
  // Written as they are: the peer as the runtime formats it, the method as
  // the parser names it. Target, referer and user agent are escaped.
  std::string_view peer;  // "203.0.113.7:51234" or "[2001:db8::1]:51234"
  std::string_view method;
  std::string_view target;
  int version_minor = 1;
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::string_view referer;     // "" when the request had none
  std::string_view user_agent;  // "" when the request had none
  std::chrono::nanoseconds took{0};
  std::time_t when = 0;  // seconds since the epoch
};

// Appends the line, without its newline.
void append_access_line(std::string& out, config::AccessFormat format, const AccessEntry& entry);

// `text` escaped as nginx escapes a variable in a log line.
void append_log_escaped(std::string& out, std::string_view text);
// `text` as the contents of a JSON string (without the quotes).
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace brisk::server
