// RequestParser: framing, keep-alive, pipelining, limits and every rejected
// vector of the table in parser.hpp, with the status it documents.

#include <brisk/server/parser.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using brisk::server::ParseEvent;
using brisk::server::ParserLimits;
using brisk::server::ParseStep;
using brisk::server::RequestHead;
using brisk::server::RequestParser;
using namespace std::string_literals;

namespace {

struct Message {
  RequestHead head;
  std::string body;
  std::size_t body_events = 0;
};

struct Outcome {
  std::vector<Message> messages;  // completed messages, in order
  bool head_pending = false;      // a head_complete without its message_complete
  int status = 0;                 // the error status, 0 when none
  std::string reason;
  std::string left;  // bytes not consumed when the driver stopped
};

// Plays a connection: feeds `wire` `piece` bytes at a time into a buffer that
// keeps only what execute() did not consume, and records the events. Stops at
// an error, or when every byte was fed and the parser wants more. After a
// request that is not keep-alive it stops when nothing is left to parse.
Outcome drive(std::string_view wire, std::size_t piece = std::string_view::npos, ParserLimits limits = {}) {
  RequestParser parser(limits);
  Outcome out;
  std::string buf;
  std::size_t fed = 0;
  Message current;
  auto feed = [&] {
    std::size_t n = std::min(piece, wire.size() - fed);
    buf.append(wire.substr(fed, n));
    fed += n;
  };
  feed();
  for (int guard = 0; guard < 1000000; ++guard) {
    ParseStep step = parser.execute(buf);
    REQUIRE(step.consumed <= buf.size());
    switch (step.event) {
      case ParseEvent::need_more:
        // need_more always takes everything it was given.
        REQUIRE(step.consumed == buf.size());
        buf.clear();
        if (fed == wire.size()) {
          return out;
        }
        feed();
        break;
      case ParseEvent::head_complete:
        current.head = parser.head();
        out.head_pending = true;
        buf.erase(0, step.consumed);
        break;
      case ParseEvent::body:
        REQUIRE(!step.body.empty());
        // A view into the input, ending where the step's bytes end.
        REQUIRE(step.body.data() + step.body.size() == buf.data() + step.consumed);
        current.body.append(step.body);
        ++current.body_events;
        buf.erase(0, step.consumed);
        break;
      case ParseEvent::message_complete:
        buf.erase(0, step.consumed);
        current.head.trailers = parser.head().trailers;
        out.messages.push_back(current);
        out.head_pending = false;
        current = {};
        if (buf.empty() && fed == wire.size() && !out.messages.back().head.keep_alive) {
          return out;
        }
        break;
      case ParseEvent::error: {
        out.status = parser.error().status;
        out.reason = std::string(parser.error().reason);
        REQUIRE(out.status >= 400);
        REQUIRE(!out.reason.empty());
        buf.erase(0, step.consumed);
        out.left = buf + std::string(wire.substr(fed));
        // Every error ends the connection: the parser keeps saying so.
        ParseStep again = parser.execute("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        REQUIRE(again.event == ParseEvent::error);
        REQUIRE(again.consumed == 0);
        REQUIRE(parser.error().status == out.status);
        return out;
      }
    }
  }
  FAIL("the parser did not make progress");
  return out;
}

// The status a request is refused with (0: accepted), fed whole and byte by
// byte; both must agree.
int status_of(std::string_view wire, ParserLimits limits = {}) {
  Outcome whole = drive(wire, std::string_view::npos, limits);
  Outcome bytewise = drive(wire, 1, limits);
  INFO("whole: " << whole.status << " " << whole.reason << "; byte by byte: " << bytewise.status << " "
                 << bytewise.reason);
  CHECK(whole.status == bytewise.status);
  return whole.status;
}

// A POST with the given extra header lines and body, HTTP/1.1.
std::string post(std::string_view fields, std::string_view body = {}) {
  return "POST /p HTTP/1.1\r\nHost: h\r\n"s + std::string(fields) + "\r\n" + std::string(body);
}

std::string chunked(std::string_view body) { return post("Transfer-Encoding: chunked\r\n", body); }

}  // namespace

// ---- requests that parse

TEST_CASE("parser: a simple GET", "[parser]") {
  Outcome out = drive("GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nX-Empty:\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  const RequestHead& h = out.messages[0].head;
  CHECK(h.method == brisk::server::Method::get);
  CHECK(h.target == "/a/b?x=1");
  CHECK(h.version_major == 1);
  CHECK(h.version_minor == 1);
  CHECK(h.keep_alive);
  CHECK_FALSE(h.chunked);
  CHECK_FALSE(h.content_length.has_value());
  CHECK_FALSE(h.has_body());
  CHECK_FALSE(h.expect_continue);
  CHECK_FALSE(h.upgrade);
  REQUIRE(h.headers.size() == 3);
  CHECK(h.headers[0].name == "Host");
  CHECK(h.headers[0].value == "example.com");
  CHECK(h.headers[1].name == "User-Agent");
  CHECK(h.headers[2].name == "X-Empty");
  CHECK(h.headers[2].value.empty());
  CHECK(out.messages[0].body.empty());
}

TEST_CASE("parser: header values lose surrounding whitespace, keep inner", "[parser]") {
  Outcome out = drive("GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\nX-B:\tc\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  const auto& headers = out.messages[0].head.headers;
  CHECK(headers.get("host") == "h");
  CHECK(headers.get("x-a") == "a  b");
  CHECK(headers.get("X-B") == "c");
}

TEST_CASE("parser: leading empty lines before the request line are skipped", "[parser]") {
  Outcome out = drive("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.target == "/");
}

TEST_CASE("parser: keep-alive rules", "[parser]") {
  auto keep_alive = [](std::string_view wire) {
    Outcome out = drive(wire);
    REQUIRE(out.status == 0);
    REQUIRE(out.messages.size() == 1);
    return out.messages[0].head.keep_alive;
  };
  CHECK(keep_alive("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n"));
  CHECK(keep_alive("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  CHECK(keep_alive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
  CHECK_FALSE(keep_alive("GET / HTTP/1.0\r\nConnection: close\r\n\r\n"));
}

TEST_CASE("parser: HTTP/1.0 needs no Host", "[parser]") {
  Outcome out = drive("GET / HTTP/1.0\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.version_minor == 0);
}

TEST_CASE("parser: pipelined requests come out one event at a time", "[parser]") {
  const std::string first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string second = "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  const std::string third = "GET /three HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string all = first + second + third;
  RequestParser parser;
  std::string_view in = all;

  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  REQUIRE(s.consumed == first.size());  // the second request is left alone
  CHECK(parser.head().target == "/one");
  in.remove_prefix(s.consumed);

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  REQUIRE(s.consumed == 0);
  // The head stays until the next message begins.
  CHECK(parser.head().target == "/one");

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  REQUIRE(s.consumed == second.size() - 3);
  CHECK(parser.head().target == "/two");
  CHECK(parser.head().content_length == 3u);
  in.remove_prefix(s.consumed);

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::body);
  REQUIRE(s.consumed == 3);
  CHECK(s.body == "abc");
  CHECK(s.body.data() == in.data());
  in.remove_prefix(s.consumed);

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  REQUIRE(s.consumed == 0);

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  REQUIRE(s.consumed == third.size());
  CHECK(parser.head().target == "/three");
  CHECK(parser.head().headers.size() == 1);
  in.remove_prefix(s.consumed);
  REQUIRE(in.empty());

  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::need_more);
  REQUIRE(s.consumed == 0);
}

TEST_CASE("parser: pipelined requests through the driver, whole and byte by byte", "[parser]") {
  const std::string wire = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                           "POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                           "PUT /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
                           "GET /4 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  for (std::size_t piece : {std::string_view::npos, std::size_t{1}, std::size_t{7}}) {
    Outcome out = drive(wire, piece);
    REQUIRE(out.status == 0);
    REQUIRE(out.messages.size() == 4);
    CHECK(out.messages[0].head.target == "/1");
    CHECK(out.messages[1].head.target == "/2");
    CHECK(out.messages[1].body == "abc");
    CHECK(out.messages[2].head.method == brisk::server::Method::put);
    CHECK(out.messages[2].body == "xy");
    CHECK(out.messages[3].head.target == "/4");
    CHECK_FALSE(out.messages[3].head.keep_alive);
  }
}

TEST_CASE("parser: a Content-Length body", "[parser]") {
  Outcome out = drive(post("Content-Length: 11\r\n", "hello world"));
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.content_length == 11u);
  CHECK(out.messages[0].head.has_body());
  CHECK(out.messages[0].body == "hello world");
  CHECK(out.messages[0].body_events == 1);

  Outcome bytewise = drive(post("Content-Length: 11\r\n", "hello world"), 1);
  REQUIRE(bytewise.messages.size() == 1);
  CHECK(bytewise.messages[0].body == "hello world");
  CHECK(bytewise.messages[0].body_events == 11);

  Outcome zero = drive(post("Content-Length: 0\r\n"));
  REQUIRE(zero.messages.size() == 1);
  CHECK(zero.messages[0].head.content_length == 0u);
  CHECK_FALSE(zero.messages[0].head.has_body());
  CHECK(zero.messages[0].body_events == 0);
}

TEST_CASE("parser: a Content-Length body stops at its length", "[parser]") {
  RequestParser parser;
  std::string wire = post("Content-Length: 4\r\n", "abcdGET");
  std::string_view in = wire;
  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  in.remove_prefix(s.consumed);
  s = parser.execute(in.substr(0, 1));
  REQUIRE(s.event == ParseEvent::body);
  CHECK(s.body == "a");
  in.remove_prefix(s.consumed);
  s = parser.execute({});
  REQUIRE(s.event == ParseEvent::need_more);
  REQUIRE(s.consumed == 0);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::body);
  CHECK(s.body == "bcd");
  CHECK(s.consumed == 3);
  in.remove_prefix(s.consumed);
  CHECK(in == "GET");
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  CHECK(s.consumed == 0);
}

TEST_CASE("parser: a chunked body with extensions and trailers", "[parser]") {
  const std::string body =
      "5;name=value\r\nhello\r\n"
      "1; a=b;c\r\n \r\n"
      "6 ; q=\"quo\\\"ted; x\" ;t\r\nworld!\r\n"
      "A\r\n0123456789\r\n"
      "000\r\n"
      "Trailer-One: 1\r\nX-Sum: abc def\r\n\r\n";
  Outcome out = drive(chunked(body));
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  const Message& m = out.messages[0];
  CHECK(m.head.chunked);
  CHECK_FALSE(m.head.content_length.has_value());
  CHECK(m.head.has_body());
  CHECK(m.body == "hello world!0123456789");
  // Trailers are kept apart from the header fields, OWS around values trimmed.
  CHECK(m.head.headers.size() == 2);
  CHECK_FALSE(m.head.headers.contains("X-Sum"));
  REQUIRE(m.head.trailers.size() == 2);
  CHECK(m.head.trailers[0].name == "Trailer-One");
  CHECK(m.head.trailers[0].value == "1");
  CHECK(m.head.trailers.get("x-sum") == "abc def");
}

TEST_CASE("parser: trailers split at every point, and a next message starts without them", "[parser]") {
  const std::string wire = chunked("3\r\nabc\r\n0\r\nX-Sum:\t 9 \t\r\nEmpty:\r\n\r\n") + chunked("0\r\n\r\n");
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, wire.size()}) {
    Outcome out = drive(wire, piece);
    REQUIRE(out.status == 0);
    REQUIRE(out.messages.size() == 2);
    const brisk::server::Headers& t = out.messages[0].head.trailers;
    REQUIRE(t.size() == 2);
    CHECK(t.get("X-Sum") == "9");
    CHECK(t.get("Empty") == "");
    CHECK(out.messages[1].head.trailers.empty());
  }
}

TEST_CASE("parser: a chunked body split at every point, and byte by byte", "[parser]") {
  const std::string wire =
      chunked("4;ext=\"v\"\r\nWiki\r\n5\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n") +
                           "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string expected = "Wikipedia in\r\n\r\nchunks.";
  for (std::size_t split = 1; split < wire.size(); ++split) {
    INFO("split at " << split);
    // Two reads: the first `split` bytes, then the rest.
    RequestParser parser;
    std::string buf = wire.substr(0, split);
    std::size_t fed = split;
    std::string body;
    std::vector<std::string> targets;
    int completes = 0;
    for (int guard = 0; guard < 10000 && completes < 2; ++guard) {
      ParseStep s = parser.execute(buf);
      REQUIRE(s.event != ParseEvent::error);
      if (s.event == ParseEvent::need_more) {
        REQUIRE(fed < wire.size());
        buf = wire.substr(fed);
        fed = wire.size();
        continue;
      }
      if (s.event == ParseEvent::head_complete) {
        targets.push_back(parser.head().target);
      } else if (s.event == ParseEvent::body) {
        body.append(s.body);
      } else if (s.event == ParseEvent::message_complete) {
        ++completes;
      }
      buf.erase(0, s.consumed);
    }
    REQUIRE(completes == 2);
    CHECK(body == expected);
    CHECK(targets == std::vector<std::string>{"/p", "/next"});
  }
  Outcome bytewise = drive(wire, 1);
  REQUIRE(bytewise.status == 0);
  REQUIRE(bytewise.messages.size() == 2);
  CHECK(bytewise.messages[0].body == expected);
}

TEST_CASE("parser: Expect: 100-continue", "[parser]") {
  Outcome out = drive(post("Content-Length: 2\r\nExpect: 100-Continue\r\n", "ok"));
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.expect_continue);

  out = drive(post("Content-Length: 2\r\n", "ok"));
  REQUIRE(out.messages.size() == 1);
  CHECK_FALSE(out.messages[0].head.expect_continue);

  // A list member that is not 100-continue leaves it out.
  out = drive(post("Content-Length: 2\r\nExpect: ,100-continue ,\r\n", "ok"));
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.expect_continue);

  // RFC 9110 10.1.1: a 100-continue expectation in an HTTP/1.0 request is
  // ignored.
  out = drive("POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nok");
  REQUIRE(out.messages.size() == 1);
  CHECK_FALSE(out.messages[0].head.expect_continue);
}

TEST_CASE("parser: the flag is visible at head_complete, before the body", "[parser]") {
  RequestParser parser;
  ParseStep s = parser.execute(post("Content-Length: 5\r\nExpect: 100-continue\r\n"));
  REQUIRE(s.event == ParseEvent::head_complete);
  CHECK(parser.head().expect_continue);
  s = parser.execute({});
  CHECK(s.event == ParseEvent::need_more);
}

TEST_CASE("parser: Upgrade is flagged and parsing goes on", "[parser]") {
  Outcome out = drive("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
                      "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 2);
  CHECK(out.messages[0].head.upgrade);
  CHECK_FALSE(out.messages[1].head.upgrade);
}

TEST_CASE("parser: a request after a Connection: close request is an error", "[parser]") {
  Outcome out = drive("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(out.messages.size() == 1);
  CHECK(out.status == 400);
  CHECK(out.reason == "request after the connection's last one");
  // Nothing of the second request was taken.
  CHECK(out.left == "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");

  out = drive("GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
  REQUIRE(out.messages.size() == 1);
  CHECK(out.status == 400);

  // Even with no bytes: the connection's last request has been seen.
  RequestParser parser;
  ParseStep s = parser.execute("GET / HTTP/1.0\r\n\r\n");
  REQUIRE(s.event == ParseEvent::head_complete);
  s = parser.execute({});
  REQUIRE(s.event == ParseEvent::message_complete);
  s = parser.execute({});
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 400);
}

// ---- limits

TEST_CASE("parser: header section over max_header_bytes is 431", "[parser][limits]") {
  ParserLimits limits;
  limits.max_header_bytes = 256;
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\n";
  std::string fits = head + "X: " + std::string(256 - head.size() - 7, 'a') + "\r\n\r\n";
  REQUIRE(fits.size() == 256);
  CHECK(status_of(fits, limits) == 0);
  std::string over = head + "X: " + std::string(256 - head.size() - 6, 'a') + "\r\n\r\n";
  CHECK(status_of(over, limits) == 431);
  // A flood that never ends the head.
  CHECK(status_of(head + std::string(100000, 'a'), limits) == 431);
  CHECK(status_of(head + "X: 1\r\n" + std::string(10000, 'a'), limits) == 431);
  // Default limit: 16 KiB.
  CHECK(status_of(head + "X: " + std::string(17 * 1024, 'b') + "\r\n\r\n") == 431);
}

TEST_CASE("parser: 431 stops at the limit without reading the rest", "[parser][limits]") {
  ParserLimits limits;
  limits.max_header_bytes = 64;
  RequestParser parser(limits);
  std::string flood = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(1000, 'a');
  ParseStep s = parser.execute(flood);
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 431);
  CHECK(s.consumed <= 64);
}

TEST_CASE("parser: request target over max_uri_bytes is 414", "[parser][limits]") {
  ParserLimits limits;
  limits.max_uri_bytes = 100;
  CHECK(status_of("GET /" + std::string(99, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits) == 0);
  CHECK(status_of("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits) == 414);
  CHECK(status_of("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n") == 414);
  // A bad byte before the limit is passed is the fault found, whole or in
  // pieces (found by tests/fuzz/fuzz_parser.cpp: whole, it was 414).
  CHECK(status_of("GET /a\x80" + std::string(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", limits) == 400);
  CHECK(status_of("GET /" + std::string(120, 'a') + "\x80 HTTP/1.1\r\nHost: h\r\n\r\n", limits) == 414);
  // Past the limit, a byte llhttp refuses itself, or a CR it lets through in
  // an absolute target's scheme: whole, llhttp stopped there before the
  // target reached the parser, and both were 400.
  CHECK(status_of("GET /" + std::string(120, 'a') + "\x01 HTTP/1.1\r\nHost: h\r\n\r\n", limits) == 414);
  CHECK(status_of("PUT " + std::string(150, 'W') + "\r\nHost: h\r\n\r\n", limits) == 414);
  CHECK(status_of("GET /" + std::string(98, 'a') + "\x01" + std::string(50, 'a') + " HTTP/1.1\r\n\r\n", limits) == 400);
  CHECK(status_of("PUT " + std::string(50, 'W') + "\r\nHost: h\r\n\r\n", limits) == 400);
  // A CR or LF right after a target of the largest size ends it: no protocol.
  CHECK(status_of("GET /" + std::string(99, 'a') + "\r\nHost: h\r\n\r\n", limits) == 400);
  CHECK(status_of("GET /" + std::string(99, 'a') + "\nHost: h\n\n", limits) == 400);
  CHECK(status_of("PUT " + std::string(100, 'W') + "\r\nHost: h\r\n\r\n", limits) == 400);
}

TEST_CASE("parser: Content-Length over max_body_bytes is 413 at the head", "[parser][limits]") {
  ParserLimits limits;
  limits.max_body_bytes = 10;
  CHECK(status_of(post("Content-Length: 10\r\n", "0123456789"), limits) == 0);
  CHECK(status_of(post("Content-Length: 11\r\n"), limits) == 413);
  CHECK(status_of(post("Content-Length: 1048577\r\n")) == 413);
  RequestParser parser(limits);
  ParseStep s = parser.execute(post("Content-Length: 11\r\n"));
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 413);
}

TEST_CASE("parser: a chunked body over max_body_bytes is 413 when a chunk size passes the limit",
          "[parser][limits]") {
  ParserLimits limits;
  limits.max_body_bytes = 10;
  CHECK(status_of(chunked("5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"), limits) == 0);
  CHECK(status_of(chunked("5\r\nabcde\r\n6\r\n"), limits) == 413);
  CHECK(status_of(chunked("b\r\n"), limits) == 413);
  CHECK(status_of(chunked("ffffffffffffffff\r\n")) == 413);
}

TEST_CASE("parser: set_body_limit changes this message's limit only", "[parser][limits]") {
  ParserLimits limits;
  limits.max_body_bytes = 100;
  std::string two = post("Content-Length: 20\r\n", std::string(20, 'x')) + chunked("15\r\n" + std::string(21, 'y') +
                                                                                    "\r\n0\r\n\r\n");
  RequestParser parser(limits);
  std::string_view in = two;

  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  CHECK_FALSE(parser.set_body_limit(19));  // the declared length is already over it
  CHECK(parser.set_body_limit(20));
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::body);
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);

  // The next message is back to the parser's limit (100): first lower it to
  // 20 for a chunked body of 21 bytes.
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  CHECK(parser.set_body_limit(20));
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 413);

  // Without the override the same chunked message passes.
  Outcome out = drive(chunked("15\r\n" + std::string(21, 'y') + "\r\n0\r\n\r\n"), std::string_view::npos, limits);
  CHECK(out.status == 0);
}

TEST_CASE("parser: set_body_limit can raise the limit of a chunked body", "[parser][limits]") {
  ParserLimits limits;
  limits.max_body_bytes = 4;
  std::string wire = chunked("8\r\n12345678\r\n0\r\n\r\n");
  RequestParser parser(limits);
  std::string_view in = wire;
  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  REQUIRE(parser.set_body_limit(8));
  in.remove_prefix(s.consumed);
  std::string body;
  for (;;) {
    s = parser.execute(in);
    REQUIRE(s.event != ParseEvent::error);
    in.remove_prefix(s.consumed);
    if (s.event == ParseEvent::body) {
      body.append(s.body);
    }
    if (s.event == ParseEvent::message_complete) {
      break;
    }
  }
  CHECK(body == "12345678");
}

TEST_CASE("parser: parse_into fills the caller's head, cleared when the next message begins", "[parser]") {
  RequestHead mine;
  mine.target = "/left-over";
  RequestParser parser;
  parser.parse_into(mine);
  CHECK(mine.target.empty());
  std::string wire = "GET /one HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n";
  std::string_view in = wire;
  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  CHECK(&parser.head() == &mine);
  CHECK(mine.target == "/one");
  CHECK(mine.headers.get("x-a") == "1");
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  CHECK(mine.target == "/one");  // still there while the request is answered
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  CHECK(mine.target == "/two");
  CHECK_FALSE(mine.headers.contains("x-a"));
}

TEST_CASE("parser: the head may be swapped out at head_complete", "[parser][limits]") {
  // As Request::reset does for a parser that fills its own head: it swaps
  // the head's buffers away at head_complete, then the route's limit is set.
  // The parser must not look at head() for the body's length or the
  // keep-alive decision after that.
  RequestHead mine;  // what the caller's Request held before
  RequestParser parser;
  std::string wire = post("Content-Length: 50\r\nConnection: close\r\n", std::string(50, 'z'));
  std::string_view in = wire;
  ParseStep s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::head_complete);
  std::swap(mine, parser.head());
  CHECK(mine.content_length == 50u);
  CHECK_FALSE(parser.set_body_limit(49));
  CHECK(parser.set_body_limit(50));
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::body);
  in.remove_prefix(s.consumed);
  s = parser.execute(in);
  REQUIRE(s.event == ParseEvent::message_complete);
  // Connection: close still ends the connection.
  s = parser.execute("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 400);
}

TEST_CASE("parser: chunk size line over max_chunk_line_bytes is 400", "[parser][limits]") {
  ParserLimits limits;
  limits.max_chunk_line_bytes = 32;
  std::string ext = std::string(";").append(40, 'e');
  CHECK(status_of(chunked("1" + ext + "\r\na\r\n0\r\n\r\n"), limits) == 400);
  // "1;" + name + CRLF: 32 bytes pass, 33 do not.
  CHECK(status_of(chunked("1;" + std::string(28, 'e') + "\r\na\r\n0\r\n\r\n"), limits) == 0);
  CHECK(status_of(chunked("1;" + std::string(29, 'e') + "\r\na\r\n0\r\n\r\n"), limits) == 400);
  // The default is 4096.
  CHECK(status_of(chunked("1;" + std::string(5000, 'e') + "\r\na\r\n0\r\n\r\n")) == 400);
}

TEST_CASE("parser: trailer section over max_header_bytes is 431", "[parser][limits]") {
  ParserLimits limits;
  limits.max_header_bytes = 128;
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: " + std::string(100, 'v') + "\r\n\r\n"), limits) == 0);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: " + std::string(130, 'v') + "\r\n\r\n"), limits) == 431);
}

// ---- rejected vectors, one row of the table at a time

TEST_CASE("parser: Content-Length with Transfer-Encoding, either order", "[parser][smuggling]") {
  CHECK(status_of(post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")) == 400);
  CHECK(status_of(post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "0\r\n\r\n")) == 400);
  CHECK(status_of(post("Content-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")) == 400);
}

TEST_CASE("parser: two Content-Length fields, even equal", "[parser][smuggling]") {
  CHECK(status_of(post("Content-Length: 3\r\nContent-Length: 3\r\n", "abc")) == 400);
  CHECK(status_of(post("Content-Length: 3\r\nContent-Length: 4\r\n", "abcd")) == 400);
}

TEST_CASE("parser: bad Content-Length values", "[parser][smuggling]") {
  for (std::string v : {"1, 1", "+1", "-1", "1 1", "0x1", "1a", "", "1.0", "18446744073709551616",
                        "99999999999999999999999"}) {
    INFO("Content-Length: " << v);
    CHECK(status_of(post("Content-Length: " + v + "\r\n", "a")) == 400);
  }
  // Surrounding whitespace is not part of the value.
  CHECK(status_of(post("Content-Length:  1 \r\n", "a")) == 0);
}

TEST_CASE("parser: Transfer-Encoding other than one final chunked", "[parser][smuggling]") {
  for (std::string v : {"gzip", "chunked, gzip", "chunked, chunked", "chunked,chunked", "", ", chunked",
                        "chunked,", "chunked;x=1", "identity", "chunked , gzip"}) {
    INFO("Transfer-Encoding: " << v);
    CHECK(status_of(post("Transfer-Encoding: " + v + "\r\n", "0\r\n\r\n")) == 400);
  }
  // A repeated Transfer-Encoding field.
  CHECK(status_of(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")) == 400);
  CHECK(status_of(post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")) == 400);
  CHECK(status_of(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", "0\r\n\r\n")) == 400);
  // Case does not matter for the coding.
  CHECK(status_of(post("Transfer-Encoding: Chunked\r\n", "0\r\n\r\n")) == 0);
}

TEST_CASE("parser: Transfer-Encoding gzip, chunked is 501", "[parser][smuggling]") {
  CHECK(status_of(post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")) == 501);
  CHECK(status_of(post("Transfer-Encoding: deflate,chunked\r\n", "0\r\n\r\n")) == 501);
}

TEST_CASE("parser: Transfer-Encoding in an HTTP/1.0 request", "[parser][smuggling]") {
  CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
}

TEST_CASE("parser: bad chunk sizes", "[parser][smuggling]") {
  for (std::string size : {"zz", "-1", "0x3", "", "11111111111111111", " 3", "3 ", "3\t", "+3", "3\n"}) {
    INFO("chunk size '" << size << "'");
    CHECK(status_of(chunked(size + "\r\nabc\r\n0\r\n\r\n")) == 400);
  }
  // Leading zeros do not count towards the 16 digits.
  CHECK(status_of(chunked("000000000000000000003\r\nabc\r\n0\r\n\r\n")) == 0);
  CHECK(status_of(chunked("3\r\nabc\r\n00000000000000000000\r\n\r\n")) == 0);
}

TEST_CASE("parser: chunk data longer than its size, or not ended by CRLF", "[parser][smuggling]") {
  CHECK(status_of(chunked("3\r\nabcd\r\n0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("3\r\nabc0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("3\r\nabc\rX0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("3\r\nabc\n0\r\n\r\n")) == 400);
}

TEST_CASE("parser: malformed chunk extensions", "[parser][smuggling]") {
  for (std::string line : {"1;", "1;=v", "1;a=", "1;a=\"v", "1;a=v w", "1;a=@", "1;a b", "1 a", "1;a=\"\x01\"",
                           "1;a=\"v\"x", "1;a;", "1 ;", "1;a=v ", "1;@"}) {
    INFO("chunk line '" << line << "'");
    CHECK(status_of(chunked(line + "\r\na\r\n0\r\n\r\n")) == 400);
  }
  for (std::string line : {"1;a", "1;a=b;c", "1; a=b", "1 ;a", "1\t;a=b", "1;a = b", "1;a=\"\"", "1;a=\"x\\\"y\"",
                           "1;a=b ;c=d"}) {
    INFO("chunk line '" << line << "'");
    CHECK(status_of(chunked(line + "\r\na\r\n0\r\n\r\n")) == 0);
  }
}

TEST_CASE("parser: obs-fold in the head and in trailers", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n") == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: a\r\n b\r\n\r\n")) == 400);
}

TEST_CASE("parser: bare LF", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.1\nHost: h\r\n\r\n") == 400);       // ending the request line
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n\n") == 400);       // ending the head
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n") == 400);  // ending a header field
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: 1\n\r\n") == 400);
  CHECK(status_of("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);  // before the request line
  CHECK(status_of(chunked("1\na\r\n0\r\n\r\n")) == 400);            // in chunk framing
  CHECK(status_of(chunked("1\r\na\n0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\n\r\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\n\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: v\n\r\n")) == 400);  // in trailers
}

TEST_CASE("parser: bare CR", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.1\rHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\rX: 1\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX\r: a\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n\rX\r\n") == 400);
  CHECK(status_of("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of(chunked("1\ra\r\n0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("1;a=b\rx\r\n0\r\n\r\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: a\rb\r\n\r\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\n\rX")) == 400);
}

TEST_CASE("parser: NUL or another CTL in a header value", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"s) == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01"
                  "b\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n"s) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT: a\0b\r\n\r\n"s)) == 400);
  // HTAB and obs-text are allowed.
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\xe9\r\n\r\n") == 0);
}

TEST_CASE("parser: bad characters in the request target", "[parser][smuggling]") {
  for (std::string target : {"/a\0b"s, "/a\x01"s, "/a\tb"s, "/a\x7f"s, "/a\x80"s, "/caf\xc3\xa9"s, "/a b"s,
                             "/a\x1f"s}) {
    INFO("target '" << target << "'");
    CHECK(status_of("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  }
  CHECK(status_of("GET /a%20b?c=d&e=%C3%A9 HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
}

TEST_CASE("parser: bad header names", "[parser][smuggling]") {
  for (std::string line : {"Host : h", "A B: 1", ": v", "X\x01: v", "X(: v", "X\x80: v", "\"X\": v", "X@: v"}) {
    INFO("field line '" << line << "'");
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n" + line + "\r\n\r\n") == 400);
  }
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-!#$%&'*+.^_`|~: v\r\n\r\n") == 0);
  CHECK(status_of(chunked("1\r\na\r\n0\r\nT B: a\r\n\r\n")) == 400);
  CHECK(status_of(chunked("1\r\na\r\n0\r\n: a\r\n\r\n")) == 400);
}

TEST_CASE("parser: invalid methods", "[parser][smuggling]") {
  CHECK(status_of("get / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("Get / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("FOO / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("G@T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of(" GET / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  // Every method llhttp knows for HTTP parses.
  for (std::string m : {"DELETE", "GET", "HEAD", "POST", "PUT", "OPTIONS", "TRACE", "PATCH", "PURGE", "M-SEARCH"}) {
    INFO(m);
    Outcome out = drive(m + " / HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(out.status == 0);
    REQUIRE(out.messages.size() == 1);
    CHECK(brisk::server::to_string(out.messages[0].head.method) == m);
  }
}

TEST_CASE("parser: two spaces in the request line", "[parser][smuggling]") {
  CHECK(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET /  HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1 \r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
}

TEST_CASE("parser: of two faults in a head, the first is reported, whole or byte by byte", "[parser][smuggling]") {
  // Found by tests/fuzz/fuzz_parser.cpp: whole, llhttp's fault further on
  // was reported (505, "Invalid header value char"); in pieces, the first.
  for (const std::string& wire : {"POST /x  HTTP/0.1\r\nHost: h\r\n\r\n"s, "GET / HTTP/1.1\nHost: h\n\n"s}) {
    INFO(wire);
    const Outcome whole = drive(wire);
    const Outcome bytewise = drive(wire, 1);
    CHECK(whole.status == 400);
    CHECK(whole.status == bytewise.status);
    CHECK(whole.reason == bytewise.reason);
  }
}

TEST_CASE("parser: a protocol other than HTTP/", "[parser][smuggling]") {
  CHECK(status_of("GET / RTSP/1.0\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / http/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET /\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.x\r\nHost: h\r\n\r\n") == 400);
}

TEST_CASE("parser: the HTTP/2 preface and the PRI method", "[parser][smuggling]") {
  CHECK(status_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == 400);
  CHECK(status_of("PRI * HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(status_of("PRI / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
}

TEST_CASE("parser: CONNECT is 501", "[parser][smuggling]") {
  CHECK(status_of("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n") == 501);
}

TEST_CASE("parser: HTTP versions other than 1.0 and 1.1 are 505", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.2\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/3.0\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/0.9\r\nHost: h\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/1.0\r\n\r\n") == 0);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
}

TEST_CASE("parser: Host is required in HTTP/1.1, and only once", "[parser][smuggling]") {
  CHECK(status_of("GET / HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
}

TEST_CASE("parser: a Host that is not uri-host [\":\" port] is 400", "[parser][smuggling]") {
  auto with_host = [](std::string_view version, std::string_view host) {
    return "GET / "s + std::string(version) + "\r\nHost: " + std::string(host) + "\r\n\r\n";
  };
  for (std::string_view host : {"a b", "a/b", "a@b", "a\\b", "<script>", "a:b", "a:8 0", "[::1", "[]", "[::1]x",
                                "a%zz", "a%4", "a,b", ":80", ""}) {
    INFO("Host: " << host);
    CHECK(status_of(with_host("HTTP/1.1", host)) == 400);
    // RFC 9112 3.2: any request with an invalid Host, HTTP/1.0 too.
    CHECK(status_of(with_host("HTTP/1.0", host)) == 400);
  }
  for (std::string_view host : {"example.com", "example.com:8080", "example.com:", "127.0.0.1:80", "[::1]",
                                "[::1]:443", "[v1.x:y]", "a_b-c~d", "xn--bcher-kva.example", "a%41b", "a!$&'()*+;=b",
                                "EXAMPLE.COM"}) {
    INFO("Host: " << host);
    CHECK(status_of(with_host("HTTP/1.1", host)) == 0);
  }
  // In absolute-form the target's authority wins (RFC 9112 3.2.2), but the
  // field must still be valid, as nginx has it.
  CHECK(status_of("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
  CHECK(status_of("GET http://h/ HTTP/1.1\r\nHost:\r\n\r\n") == 400);
}

TEST_CASE("parser: asterisk-form is for OPTIONS only", "[parser][smuggling]") {
  Outcome out = drive("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(out.status == 0);
  REQUIRE(out.messages.size() == 1);
  CHECK(out.messages[0].head.target == "*");
  for (std::string_view method : {"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "PATCH"}) {
    INFO(method);
    CHECK(status_of(std::string(method) + " * HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  }
}

TEST_CASE("parser: an expectation other than 100-continue is 417", "[parser]") {
  CHECK(status_of(post("Content-Length: 2\r\nExpect: something-else\r\n", "ok")) == 417);
  CHECK(status_of(post("Content-Length: 2\r\nExpect: 100-continue, foo\r\n", "ok")) == 417);
  CHECK(status_of(post("Content-Length: 2\r\nExpect: 100-continue=1\r\n", "ok")) == 417);
  CHECK(status_of(post("Expect: 100-continue\r\nExpect: foo\r\n")) == 417);
  CHECK(status_of(post("Expect: 100-continue\r\n")) == 0);
  CHECK(status_of(post("Expect:\r\n")) == 0);
  // Expect is HTTP/1.1's: an HTTP/1.0 request's is ignored, as its
  // 100-continue must be (RFC 9110 10.1.1).
  CHECK(status_of("POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: foo\r\n\r\nok") == 0);
}

TEST_CASE("parser: after an error execute() keeps returning it", "[parser]") {
  RequestParser parser;
  ParseStep s = parser.execute("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n");
  REQUIRE(s.event == ParseEvent::error);
  CHECK(parser.error().status == 400);
  for (int i = 0; i < 3; ++i) {
    s = parser.execute("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(s.event == ParseEvent::error);
    CHECK(s.consumed == 0);
    CHECK(parser.error().status == 400);
  }
  s = parser.execute({});
  CHECK(s.event == ParseEvent::error);
}

TEST_CASE("parser: an error inside a chunked body", "[parser]") {
  // The body events before the error were delivered; then the error sticks.
  Outcome out = drive(chunked("3\r\nabc\r\n3\r\nxyz!\r\n0\r\n\r\n"));
  CHECK(out.status == 400);
  CHECK(out.head_pending);
  CHECK(out.messages.empty());
}
