// Response and its serialisation: exact bytes for each framing rule of
// response.hpp; DateCache.

#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/server/date_cache.hpp>
#include <brisk/server/http_error.hpp>
#include <brisk/server/response.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using brisk::Generator;
using brisk::Task;
using brisk::server::append_chunk;
using brisk::server::append_head;
using brisk::server::append_last_chunk;
using brisk::server::append_response;
using brisk::server::BodyFraming;
using brisk::server::DateCache;
using brisk::server::HeadInfo;
using brisk::server::Headers;
using brisk::server::HttpError;
using brisk::server::Response;
using brisk::server::ResponseContext;

namespace {

constexpr std::string_view date = "Sun, 06 Nov 1994 08:49:37 GMT";

// A context with no Date and no Server, so the expected bytes stay short.
ResponseContext bare() { return ResponseContext{}; }

std::string serialize(const Response& r, const ResponseContext& ctx, HeadInfo* info = nullptr) {
  std::string out;
  HeadInfo i = append_response(out, r, ctx);
  if (info != nullptr) {
    *info = i;
  }
  return out;
}

Generator<std::string> pieces(std::vector<std::string> items) {
  for (auto& s : items) {
    co_yield std::move(s);
  }
}

// Serialises a streamed response the way the connection does.
std::string serialize_stream(Response& r, const ResponseContext& ctx, HeadInfo* info) {
  std::string out;
  *info = append_head(out, r, ctx);
  if (info->framing == BodyFraming::none) {
    return out;
  }
  REQUIRE(r.chunks() != nullptr);
  Generator<std::string>* gen = r.chunks();
  std::vector<std::string> got = brisk::run([](Generator<std::string>* g) -> Task<std::vector<std::string>> {
    std::vector<std::string> all;
    while (auto piece = co_await g->next()) {
      all.push_back(std::move(*piece));
    }
    co_return all;
  }(gen));
  for (const auto& piece : got) {
    if (info->framing == BodyFraming::chunked) {
      append_chunk(out, piece);
    } else {
      out.append(piece);
    }
  }
  if (info->framing == BodyFraming::chunked) {
    append_last_chunk(out);
  }
  return out;
}

}  // namespace

TEST_CASE("response: text", "[response]") {
  HeadInfo info{};
  std::string out = serialize(Response::text("hello"), bare(), &info);
  CHECK(out ==
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 5\r\n"
        "\r\n"
        "hello");
  CHECK(info.framing == BodyFraming::length);
  CHECK(info.keep_alive);
  CHECK(serialize(Response::text(404, "no\n"), bare()) ==
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nno\n");
}

TEST_CASE("response: json", "[response]") {
  Response r = Response::json({{"id", 42}, {"name", "x"}}, 201);
  CHECK(r.status() == 201);
  CHECK(r.body() == R"({"id":42,"name":"x"})");
  CHECK(serialize(r, bare()) ==
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n"
        R"({"id":42,"name":"x"})");
  // Invalid UTF-8 is replaced, not thrown.
  CHECK(Response::json(std::string("a\xff")).body() == "\"a\xef\xbf\xbd\"");
}

TEST_CASE("response: status gives an empty body with a length", "[response]") {
  Response r = Response::status(404);
  CHECK(r.body().empty());
  CHECK(r.headers().empty());
  CHECK(serialize(r, bare()) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("response: Date and Server from the context, unless the handler set its own", "[response]") {
  ResponseContext ctx;
  ctx.date = date;
  ctx.server = "brisk";
  CHECK(serialize(Response::status(200), ctx) ==
        "HTTP/1.1 200 OK\r\nServer: brisk\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n");
  Response r = Response::status(200).with_header("server", "mine").with_header("DATE", "then");
  CHECK(serialize(r, ctx) == "HTTP/1.1 200 OK\r\nserver: mine\r\nDATE: then\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("response: the response to HEAD has the head and no body", "[response]") {
  ResponseContext ctx;
  ctx.head_request = true;
  HeadInfo info{};
  CHECK(serialize(Response::text("hello"), ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);
  CHECK(info.keep_alive);
}

TEST_CASE("response: 204, 304 and 1xx have no body and no Content-Length", "[response]") {
  HeadInfo info{};
  Response no_content = Response::status(204);
  no_content.body() = "ignored";
  CHECK(serialize(no_content, bare(), &info) == "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);

  Response not_modified = Response::text(304, "ignored").with_header("ETag", "\"x\"");
  not_modified.headers().add("Content-Length", "7");
  CHECK(serialize(not_modified, bare(), &info) ==
        "HTTP/1.1 304 Not Modified\r\nContent-Type: text/plain; charset=utf-8\r\nETag: \"x\"\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);

  ResponseContext closing;
  closing.keep_alive = false;
  CHECK(serialize(Response::status(204), closing, &info) == "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(info.keep_alive);

  // An interim response carries no Connection either.
  CHECK(serialize(Response::status(103).with_header("Link", "</a.css>; rel=preload"), closing, &info) ==
        "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);
  // 101 keeps the handler's Connection: upgrade.
  Response upgrade = Response::status(101).with_header("Connection", "Upgrade").with_header("Upgrade", "websocket");
  CHECK(serialize(upgrade, bare(), &info) ==
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
}

TEST_CASE("response: HTTP/1.0 keep-alive and close", "[response]") {
  ResponseContext ctx;
  ctx.http10 = true;
  HeadInfo info{};
  CHECK(serialize(Response::status(200), ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(info.keep_alive);
  ctx.keep_alive = false;
  CHECK(serialize(Response::status(200), ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(info.keep_alive);
  // HTTP/1.1: keep-alive is the default and says nothing.
  ResponseContext v11;
  v11.keep_alive = false;
  CHECK(serialize(Response::status(200), v11, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST_CASE("response: the handler's framing headers are dropped", "[response]") {
  Response r = Response::text("abc");
  r.headers().add("Content-Length", "99");
  r.headers().add("Transfer-Encoding", "chunked");
  r.headers().add("Connection", "keep-alive");
  r.headers().add("X-After", "1");
  HeadInfo info{};
  CHECK(serialize(r, bare(), &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-After: 1\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(info.keep_alive);
  Response upgrade = Response::status(200).with_header("Connection", "upgrade");
  CHECK(serialize(upgrade, bare()) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("response: the handler's Connection: close is honoured", "[response]") {
  HeadInfo info{};
  Response r = Response::status(200).with_header("Connection", "close");
  CHECK(serialize(r, bare(), &info) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(info.keep_alive);
  Response listed = Response::status(200).with_header("connection", "foo ,  CLOSE");
  CHECK(serialize(listed, bare(), &info) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(info.keep_alive);
  ResponseContext v10;
  v10.http10 = true;
  CHECK(serialize(r, v10, &info) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(info.keep_alive);
  Response not_close = Response::status(200).with_header("Connection", "closed");
  CHECK(serialize(not_close, bare(), &info) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  CHECK(info.keep_alive);
}

TEST_CASE("response: a streamed body is chunked to HTTP/1.1", "[response]") {
  Response r = Response::stream(pieces({"hello", "", "world!", std::string(17, 'x')}), "text/plain");
  ResponseContext ctx;
  ctx.streamed = true;
  HeadInfo info{};
  CHECK(serialize_stream(r, ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\nworld!\r\n11\r\nxxxxxxxxxxxxxxxxx\r\n0\r\n\r\n");
  CHECK(info.framing == BodyFraming::chunked);
  CHECK(info.keep_alive);
}

TEST_CASE("response: append_chunk and append_last_chunk", "[response]") {
  std::string out;
  append_chunk(out, "");
  CHECK(out.empty());
  append_chunk(out, "a");
  append_chunk(out, std::string(255, 'b'));
  append_chunk(out, std::string(4096, 'c'));
  append_last_chunk(out);
  CHECK(out == "1\r\na\r\nff\r\n" + std::string(255, 'b') + "\r\n1000\r\n" + std::string(4096, 'c') +
                   "\r\n0\r\n\r\n");
}

TEST_CASE("response: a streamed body to HTTP/1.0 is delimited by the close", "[response]") {
  Response r = Response::stream(pieces({"ab", "cd"}), "text/plain", 202);
  ResponseContext ctx;
  ctx.streamed = true;
  ctx.http10 = true;
  HeadInfo info{};
  CHECK(serialize_stream(r, ctx, &info) ==
        "HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nabcd");
  CHECK(info.framing == BodyFraming::close);
  CHECK_FALSE(info.keep_alive);
}

TEST_CASE("response: a streamed body with the handler's Content-Length", "[response]") {
  Response r = Response::stream(pieces({"ab", "cd"}), "text/plain").with_header("Content-Length", "4");
  ResponseContext ctx;
  ctx.streamed = true;
  HeadInfo info{};
  CHECK(serialize_stream(r, ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nabcd");
  CHECK(info.framing == BodyFraming::length);
  ctx.http10 = true;
  Response r10 = Response::stream(pieces({"ab", "cd"}), "text/plain").with_header("Content-Length", "4");
  CHECK(serialize_stream(r10, ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nabcd");
  CHECK(info.framing == BodyFraming::length);
  CHECK(info.keep_alive);
}

TEST_CASE("response: a streamed body's Content-Length must be a number", "[response]") {
  for (std::string bad : {"", "abc", "-1", "1, 1", "+4", "4 4", "0x4"}) {
    INFO("Content-Length: '" << bad << "'");
    Response r = Response::stream(pieces({"ab"}), "text/plain").with_header("Content-Length", bad);
    ResponseContext ctx;
    ctx.streamed = true;
    HeadInfo info{};
    CHECK(serialize_stream(r, ctx, &info) ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
    CHECK(info.framing == BodyFraming::chunked);
  }
}

TEST_CASE("response: HEAD to a streamed response", "[response]") {
  Response r = Response::stream(pieces({"ab"}), "text/plain");
  ResponseContext ctx;
  ctx.streamed = true;
  ctx.head_request = true;
  HeadInfo info{};
  CHECK(serialize_stream(r, ctx, &info) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);
  CHECK(info.keep_alive);
}

TEST_CASE("response: a streamed 204 has no framing", "[response]") {
  Response r = Response::stream(pieces({"ab"}), "text/plain", 204);
  ResponseContext ctx;
  ctx.streamed = true;
  HeadInfo info{};
  std::string out;
  info = append_head(out, r, ctx);
  CHECK(out == "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\n\r\n");
  CHECK(info.framing == BodyFraming::none);
}

TEST_CASE("response: several responses append to one buffer", "[response]") {
  std::string out = "X";
  append_response(out, Response::text("a"), bare());
  append_response(out, Response::status(204), bare());
  CHECK(out ==
        "XHTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1\r\n\r\na"
        "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST_CASE("response: from(HttpError) carries the status, message and headers", "[response]") {
  Headers h;
  h.add("Retry-After", "1");
  h.add("Content-Type", "text/html");
  Response r = Response::from(HttpError(503, "busy", std::move(h)));
  CHECK(r.status() == 503);
  CHECK(r.body() == "busy\n");
  CHECK(r.headers().get("Retry-After") == "1");
  CHECK(r.headers().get("content-type") == "text/html");
  CHECK(r.headers().size() == 2);
  CHECK(serialize(r, bare()) ==
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nRetry-After: 1\r\nContent-Length: 5\r\n\r\n"
        "busy\n");
  Response plain = Response::from(HttpError(404, "no user 7"));
  CHECK(plain.status() == 404);
  CHECK(plain.body() == "no user 7\n");
  CHECK(plain.headers().get("Content-Type") == "text/plain; charset=utf-8");
  // A status that cannot go on the wire is the thrower's bug: answered 500.
  Response odd = Response::from(HttpError(42, "odd"));
  CHECK(odd.status() == 500);
  CHECK(odd.body() == "odd\n");
}

TEST_CASE("response: set_status accepts three digits only", "[response]") {
  Response r;
  CHECK(r.status() == 200);
  CHECK_THROWS_AS(r.set_status(99), std::invalid_argument);
  CHECK_THROWS_AS(r.set_status(1000), std::invalid_argument);
  CHECK_THROWS_AS(r.set_status(-200), std::invalid_argument);
  CHECK_THROWS_AS(r.set_status(0), std::invalid_argument);
  CHECK(r.status() == 200);
  r.set_status(100);
  CHECK(r.status() == 100);
  r.set_status(999);
  CHECK(r.status() == 999);
  CHECK_THROWS_AS(Response::status(42), std::invalid_argument);
  CHECK_THROWS_AS(Response::text(2000, "x"), std::invalid_argument);
  // A code without a reason phrase keeps the space before the (empty) reason.
  CHECK(serialize(Response::status(299), bare()) == "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("response: with_header chains, and refuses what add() refuses", "[response]") {
  Response r;
  r.with_header("A", "1").with_header("B", "2");
  CHECK(r.headers().size() == 2);
  CHECK_THROWS_AS(r.with_header("X", "a\r\nSet-Cookie: evil"), std::invalid_argument);
  CHECK_THROWS_AS(Response::status(200).with_header("Bad Name", "v"), std::invalid_argument);
}

TEST_CASE("response: reason phrases", "[response]") {
  using brisk::server::reason_phrase;
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(413) == "Content Too Large");
  CHECK(reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(reason_phrase(505) == "HTTP Version Not Supported");
  CHECK(reason_phrase(599).empty());
  CHECK(brisk::server::continue_response == "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST_CASE("date cache: IMF-fixdate", "[response][date]") {
  auto text = [](std::time_t t) {
    auto a = DateCache::format(t);
    return std::string(a.data(), a.size());
  };
  CHECK(text(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(text(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(text(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
  CHECK(text(1735689599) == "Tue, 31 Dec 2024 23:59:59 GMT");
  std::string_view now = DateCache::now();
  CHECK(now.size() == 29);
  CHECK(now.substr(25) == " GMT");
  CHECK(now.substr(3, 2) == ", ");
}
