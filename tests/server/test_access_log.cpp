// Access-log lines: the combined and JSON formats, and the escaping that
// keeps a client from ending a field or a line early.

#include <brisk/server/access_log.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

using brisk::config::AccessFormat;
using brisk::server::AccessEntry;
using brisk::server::append_access_line;
using brisk::server::append_json_escaped;
using brisk::server::append_log_escaped;

namespace {

// 2000-10-10T13:55:36Z, read as local time in UTC (set for the whole process:
// the tests run in one thread and nothing else reads TZ).
constexpr std::time_t october_10 = 971186136;

AccessEntry entry() {
  setenv("TZ", "UTC", 1);
  tzset();
  return AccessEntry{.peer = "203.0.113.7:51234",
                     .method = "GET",
                     .target = "/a?b=c",
                     .version_minor = 1,
                     .status = 200,
                     .body_bytes = 13,
                     .referer = "http://example.com/",
                     .user_agent = "curl/8.0",
                     .took = std::chrono::microseconds(1600),
                     .when = october_10};
}

std::string line(AccessFormat format, const AccessEntry& e) {
  std::string out;
  append_access_line(out, format, e);
  return out;
}

std::string escaped(std::string_view text) {
  std::string out;
  append_log_escaped(out, text);
  return out;
}

}  // namespace

TEST_CASE("combined is nginx's combined format", "[access_log]") {
  CHECK(line(AccessFormat::combined, entry()) ==
        "203.0.113.7 - - [10/Oct/2000:13:55:36 +0000] \"GET /a?b=c HTTP/1.1\" 200 13 \"http://example.com/\" "
        "\"curl/8.0\"");
}

TEST_CASE("combined writes - for a missing referer or user agent, and HTTP/1.0 as such", "[access_log]") {
  AccessEntry e = entry();
  e.referer = "";
  e.user_agent = "";
  e.version_minor = 0;
  e.peer = "[2001:db8::1]:443";
  CHECK(line(AccessFormat::combined, e) ==
        "2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] \"GET /a?b=c HTTP/1.0\" 200 13 \"-\" \"-\"");
}

TEST_CASE("the time stamp follows the clock and the zone", "[access_log]") {
  AccessEntry e = entry();
  e.when = october_10 + 3600 * 24 * 100 + 1;  // 2001-01-18T13:55:37Z
  CHECK(line(AccessFormat::combined, e).find("[18/Jan/2001:13:55:37 +0000]") != std::string::npos);
  setenv("TZ", "XYZ-05:30", 1);  // 5 h 30 east of UTC
  tzset();
  e.when = october_10 + 2;  // another second: formatted anew, in the new zone
  CHECK(line(AccessFormat::combined, e).find("[10/Oct/2000:19:25:38 +0530]") != std::string::npos);
  CHECK(line(AccessFormat::json, e).find("\"time\":\"2000-10-10T19:25:38+05:30\"") != std::string::npos);
  setenv("TZ", "UTC", 1);
  tzset();
}

TEST_CASE("what a client sends is escaped as nginx does", "[access_log]") {
  CHECK(escaped("plain /path?x=1&y=~") == "plain /path?x=1&y=~");
  CHECK(escaped("a\"b") == "a\\x22b");
  CHECK(escaped("a\\b") == "a\\x5Cb");
  CHECK(escaped("a\r\nb\tc") == "a\\x0D\\x0Ab\\x09c");
  CHECK(escaped(std::string("\x00\x1f\x7f\x80\xff", 5)) == "\\x00\\x1F\\x7F\\x80\\xFF");
}

TEST_CASE("a client cannot forge a combined line", "[access_log]") {
  AccessEntry e = entry();
  e.target = "/x\" 200 1 \"-\" \"-\"\n127.0.0.1 - - [forged] \"GET /admin HTTP/1.1";
  e.user_agent = "ua\" \"more";
  e.referer = "\\\"";
  const std::string out = line(AccessFormat::combined, e);
  CHECK(out.find('\n') == std::string::npos);
  // Exactly the six quotes of the format: around the request, referer and agent.
  CHECK(std::count(out.begin(), out.end(), '"') == 6);
  CHECK(out.find("\"GET /x\\x22 200 1 \\x22-\\x22 \\x22-\\x22\\x0A127.0.0.1") != std::string::npos);
  CHECK(out.ends_with("\"\\x5C\\x22\" \"ua\\x22 \\x22more\""));
}

TEST_CASE("json is one object per line with every field", "[access_log]") {
  const std::string out = line(AccessFormat::json, entry());
  CHECK(out ==
        "{\"time\":\"2000-10-10T13:55:36+00:00\",\"remote_addr\":\"203.0.113.7\",\"remote_port\":51234,"
        "\"method\":\"GET\",\"target\":\"/a?b=c\",\"protocol\":\"HTTP/1.1\",\"status\":200,"
        "\"body_bytes_sent\":13,\"request_time\":0.002,\"referer\":\"http://example.com/\","
        "\"user_agent\":\"curl/8.0\"}");
  CHECK(nlohmann::json::parse(out)["status"] == 200);
}

TEST_CASE("json stays valid JSON whatever the client sent", "[access_log]") {
  AccessEntry e = entry();
  const std::string target("/\"}\\\n\r\t\x01\xc3\xa9\xff", 11);
  e.target = target;
  e.user_agent = "\"";
  const std::string out = line(AccessFormat::json, e);
  CHECK(out.find('\n') == std::string::npos);
  const auto parsed = nlohmann::json::parse(out);
  // Bytes outside ASCII come back one code point each (as Latin-1 would).
  CHECK(parsed["target"] == "/\"}\\\n\r\t\x01\xc3\x83\xc2\xa9\xc3\xbf");
  CHECK(parsed["user_agent"] == "\"");
  std::string raw;
  append_json_escaped(raw, "\x1f\x7f");
  CHECK(raw == "\\u001F\\u007F");
}
