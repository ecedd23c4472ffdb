// Router (patterns, precedence, backtracking, 404/405, middleware, limits)
// and Request (reset, query, params, json, body_chunks).

#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/server/http_error.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/response.hpp>
#include <brisk/server/router.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using brisk::Task;
using brisk::server::HttpError;
using brisk::server::Method;
using brisk::server::Next;
using brisk::server::Request;
using brisk::server::RequestHead;
using brisk::server::Response;
using brisk::server::RouteMatch;
using brisk::server::Router;

namespace {

// A handler answering its name and its parameters: "name a=1 b=2".
brisk::server::Handler tag(std::string name, std::vector<std::string> params = {}) {
  return [name = std::move(name), params = std::move(params)](Request& req) -> Task<Response> {
    std::string out = name;
    for (const auto& p : params) {
      out.append(" ").append(p).append("=").append(req.param(p));
    }
    co_return Response::text(out);
  };
}

RequestHead make_head(Method method, std::string target, int minor = 1) {
  RequestHead head;
  head.method = method;
  head.target = std::move(target);
  head.version_minor = static_cast<std::uint8_t>(minor);
  return head;
}

// What the connection does: match on the decoded path, set the parameters,
// run the chain.
struct Answer {
  int status = 0;
  std::string body;
  std::string allow;  // "-" when there is no Allow header
  const brisk::server::Route* route = nullptr;
};

Answer call(const Router& router, Method method, std::string target) {
  RequestHead head = make_head(method, std::move(target));
  Request req;
  req.reset(head, "192.0.2.1:1234");
  RouteMatch m = router.match(req.method(), req.path());
  REQUIRE(m.handler != nullptr);
  req.set_params(m.params);
  Response r = brisk::run((*m.handler)(req));
  return {r.status(), r.body(), std::string(r.headers().get("Allow").value_or("-")), m.route};
}

std::string body_of(const Router& router, Method method, std::string target) {
  Answer a = call(router, method, std::move(target));
  INFO("status " << a.status);
  CHECK(a.status == 200);
  return a.body;
}

}  // namespace

// ---- Router

TEST_CASE("router: literal routes", "[router]") {
  Router r;
  r.get("/", tag("root"));
  r.get("/a", tag("a"));
  r.get("/a/b", tag("ab"));
  r.get("/a/b/", tag("ab/"));
  r.freeze();
  CHECK(body_of(r, Method::get, "/") == "root");
  CHECK(body_of(r, Method::get, "/a") == "a");
  CHECK(body_of(r, Method::get, "/a/b") == "ab");
  CHECK(body_of(r, Method::get, "/a/b/") == "ab/");
  CHECK(body_of(r, Method::get, "/a/b?x=1") == "ab");
  CHECK(body_of(r, Method::get, "/a/%62") == "ab");  // the router sees the decoded path
  CHECK(call(r, Method::get, "/a/c").status == 404);
  CHECK(call(r, Method::get, "/ab").status == 404);
  CHECK(call(r, Method::get, "/a/b/c").status == 404);
  CHECK(call(r, Method::get, "//a").status == 404);
}

TEST_CASE("router: {param} segments", "[router]") {
  Router r;
  r.get("/users/{id}", tag("user", {"id"}));
  r.get("/users/{id}/posts/{post}", tag("post", {"id", "post"}));
  r.freeze();
  CHECK(body_of(r, Method::get, "/users/42") == "user id=42");
  CHECK(body_of(r, Method::get, "/users/a%20b") == "user id=a b");
  CHECK(body_of(r, Method::get, "/users/7/posts/x.y") == "post id=7 post=x.y");
  // A parameter is one non-empty segment.
  CHECK(call(r, Method::get, "/users/").status == 404);
  CHECK(call(r, Method::get, "/users").status == 404);
  CHECK(call(r, Method::get, "/users/1/2").status == 404);
  CHECK(call(r, Method::get, "/users//posts/1").status == 404);
}

TEST_CASE("router: {tail...} takes the rest of the path, possibly empty", "[router]") {
  Router r;
  r.get("/static/{path...}", tag("static", {"path"}));
  r.get("/{all...}", tag("all", {"all"}));
  r.freeze();
  CHECK(body_of(r, Method::get, "/static/css/site.css") == "static path=css/site.css");
  CHECK(body_of(r, Method::get, "/static/a//b/") == "static path=a//b/");
  CHECK(body_of(r, Method::get, "/static/") == "static path=");
  CHECK(body_of(r, Method::get, "/static") == "static path=");
  CHECK(body_of(r, Method::get, "/") == "all all=");
  CHECK(body_of(r, Method::get, "/x/y") == "all all=x/y");
  CHECK(body_of(r, Method::get, "/staticx") == "all all=staticx");
}

TEST_CASE("router: literal beats param beats tail, whatever the order of registration", "[router]") {
  auto check = [](Router& r) {
    r.freeze();
    CHECK(body_of(r, Method::get, "/f/me") == "literal");
    CHECK(body_of(r, Method::get, "/f/you") == "param x=you");
    CHECK(body_of(r, Method::get, "/f/a/b") == "tail rest=a/b");
    CHECK(body_of(r, Method::get, "/f") == "tail rest=");
    CHECK(body_of(r, Method::get, "/f/") == "tail rest=");
  };
  Router forward;
  forward.get("/f/me", tag("literal"));
  forward.get("/f/{x}", tag("param", {"x"}));
  forward.get("/f/{rest...}", tag("tail", {"rest"}));
  check(forward);
  Router backward;
  backward.get("/f/{rest...}", tag("tail", {"rest"}));
  backward.get("/f/{x}", tag("param", {"x"}));
  backward.get("/f/me", tag("literal"));
  check(backward);
}

TEST_CASE("router: a dead end backs up and tries the next kind", "[router]") {
  Router r;
  r.get("/a/b/c", tag("abc"));
  r.get("/a/{x}/d", tag("xd", {"x"}));
  r.get("/a/{x}/{y}/z", tag("xyz", {"x", "y"}));
  r.get("/a/{rest...}", tag("tail", {"rest"}));
  r.get("/{p}/q", tag("pq", {"p"}));
  r.freeze();
  CHECK(body_of(r, Method::get, "/a/b/c") == "abc");
  CHECK(body_of(r, Method::get, "/a/b/d") == "xd x=b");
  CHECK(body_of(r, Method::get, "/a/b/c/z") == "xyz x=b y=c");
  CHECK(body_of(r, Method::get, "/a/b/e") == "tail rest=b/e");
  CHECK(body_of(r, Method::get, "/a/b/c/y") == "tail rest=b/c/y");
  CHECK(body_of(r, Method::get, "/a/q") == "tail rest=q");
  CHECK(body_of(r, Method::get, "/b/q") == "pq p=b");
  CHECK(call(r, Method::get, "/b/r").status == 404);
}

TEST_CASE("router: 404 for an unknown path, through the router's handler", "[router]") {
  Router r;
  r.get("/a", tag("a"));
  r.freeze();
  Answer a = call(r, Method::get, "/nope");
  CHECK(a.status == 404);
  CHECK(a.route == nullptr);
  CHECK(a.body == "Not Found\n");
  RouteMatch m = r.match(Method::get, "no-slash");
  CHECK(m.route == nullptr);
  CHECK(m.handler != nullptr);
  CHECK(m.params.size() == 0);
}

TEST_CASE("router: 405 with Allow, and GET implies HEAD", "[router]") {
  Router r;
  r.get("/items", tag("list"));
  r.post("/items", tag("create"));
  r.del("/items/{id}", tag("delete"));
  r.add(Method::head, "/h", tag("head"));
  r.put("/h", tag("put"));
  r.get("/both", tag("get"));
  r.add(Method::head, "/both", tag("head"));
  r.freeze();
  Answer a = call(r, Method::put, "/items");
  CHECK(a.status == 405);
  CHECK(a.route == nullptr);
  CHECK(a.allow == "GET, HEAD, POST");
  CHECK(a.body == "Method Not Allowed\n");
  CHECK(call(r, Method::get, "/items/3").allow == "DELETE");
  CHECK(call(r, Method::get, "/items/3").status == 405);
  CHECK(call(r, Method::get, "/h").allow == "HEAD, PUT");
  CHECK(call(r, Method::post, "/both").allow == "GET, HEAD");
  CHECK(call(r, Method::get, "/items").allow == "-");
}

TEST_CASE("router: OPTIONS * is 200 with Allow for the whole server", "[router]") {
  Router r;
  r.get("/a", tag("a"));
  r.post("/b/{id}", tag("b"));
  r.freeze();
  Answer a = call(r, Method::options, "*");
  CHECK(a.status == 200);
  CHECK(a.route == nullptr);
  CHECK(a.body.empty());
  CHECK(a.allow == "GET, HEAD, POST, OPTIONS");
  CHECK(call(r, Method::get, "*").status == 404);
  // OPTIONS of a path is still the routes' business.
  CHECK(call(r, Method::options, "/a").status == 405);
}

TEST_CASE("router: HEAD falls back to GET, and an explicit HEAD route wins", "[router]") {
  Router r;
  std::size_t get = r.get("/g", tag("get"));
  r.get("/both", tag("get"));
  std::size_t head = r.add(Method::head, "/both", tag("head"));
  r.freeze();
  Answer a = call(r, Method::head, "/g");
  CHECK(a.status == 200);
  CHECK(a.body == "get");
  REQUIRE(a.route != nullptr);
  CHECK(a.route->index == get);
  CHECK(a.route->method == Method::get);
  Answer b = call(r, Method::head, "/both");
  CHECK(b.body == "head");
  REQUIRE(b.route != nullptr);
  CHECK(b.route->index == head);
  // GET does not fall back to HEAD.
  Router only_head;
  only_head.add(Method::head, "/h", tag("head"));
  only_head.freeze();
  CHECK(call(only_head, Method::get, "/h").status == 405);
}

TEST_CASE("router: precedence picks among the patterns with a route for the method", "[router]") {
  Router r;
  r.get("/a/{x}", tag("get-x", {"x"}));
  r.post("/a/b", tag("post-b"));
  r.get("/s/{rest...}", tag("get-tail", {"rest"}));
  r.put("/s/{x}", tag("put-x", {"x"}));
  r.freeze();
  CHECK(body_of(r, Method::get, "/a/b") == "get-x x=b");
  CHECK(body_of(r, Method::post, "/a/b") == "post-b");
  CHECK(body_of(r, Method::head, "/a/b") == "get-x x=b");
  CHECK(body_of(r, Method::get, "/s/y") == "get-tail rest=y");
  CHECK(body_of(r, Method::put, "/s/y") == "put-x x=y");
  // 405's Allow has the methods of every pattern the path matches.
  Answer a = call(r, Method::put, "/a/b");
  CHECK(a.status == 405);
  CHECK(a.allow == "GET, HEAD, POST");
  CHECK(call(r, Method::put, "/a/c").allow == "GET, HEAD");
  CHECK(call(r, Method::post, "/s/y").allow == "GET, HEAD, PUT");
  CHECK(call(r, Method::post, "/s/y/z").allow == "GET, HEAD");
}

TEST_CASE("router: the same pattern twice for one method throws", "[router]") {
  Router r;
  r.get("/a/{id}", tag("a"));
  CHECK_THROWS_AS(r.get("/a/{id}", tag("again")), std::invalid_argument);
  // Another method on the same pattern is fine.
  CHECK_NOTHROW(r.post("/a/{id}", tag("post")));
  // A parameter node has one name.
  CHECK_THROWS_AS(r.put("/a/{other}", tag("put")), std::invalid_argument);
  CHECK_THROWS_AS(r.put("/a/{other}/x", tag("put")), std::invalid_argument);
  CHECK(r.routes() == 2);
}

TEST_CASE("router: malformed patterns throw std::invalid_argument", "[router]") {
  for (std::string p : {"", "a", "a/b", "/a/{", "/a/}", "/a/{}", "/a/{b", "/a/b}", "/a/{b}c", "/a/x{b}", "/a/{b}}",
                        "/{a...}/b", "/{a.b}", "/{a}/{a}", "/{a}/{a...}", "/{...}", "/{a b}", "/{a/b}", "/{.a}",
                        "/{a-b}/{1}/{2}/{3}/{4}/{5}/{6}/{7}/{8}"}) {
    INFO("pattern '" << p << "'");
    Router r;
    CHECK_THROWS_AS(r.get(p, tag("x")), std::invalid_argument);
    CHECK(r.routes() == 0);
  }
  Router r;
  CHECK_NOTHROW(r.get("/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", tag("eight")));
  CHECK_NOTHROW(r.get("/x/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{rest...}", tag("eight with tail")));
}

TEST_CASE("router: a refused pattern leaves the router as it was", "[router]") {
  Router r;
  // Parameter {a} is refused (twice in the pattern): it must not claim the
  // name of the node for a later route.
  CHECK_THROWS_AS(r.get("/p/{a}/{a}", tag("bad")), std::invalid_argument);
  CHECK_NOTHROW(r.get("/p/{b}", tag("p", {"b"})));
  CHECK_THROWS_AS(r.get("/q/{x}/{y", tag("bad")), std::invalid_argument);
  CHECK_NOTHROW(r.get("/q/{z}", tag("q", {"z"})));
  // Nine parameters are refused: matching a path that long must not overflow
  // the parameters (AddressSanitizer would see it).
  CHECK_THROWS_AS(r.get("/n/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", tag("nine")), std::invalid_argument);
  CHECK_NOTHROW(r.get("/n/{a}", tag("n", {"a"})));
  r.freeze();
  CHECK(body_of(r, Method::get, "/p/1") == "p b=1");
  CHECK(body_of(r, Method::get, "/q/2") == "q z=2");
  CHECK(call(r, Method::get, "/n/1/2/3/4/5/6/7/8/9").status == 404);
  CHECK(call(r, Method::get, "/p/1/2").status == 404);
}

TEST_CASE("router: add and use after freeze throw", "[router]") {
  Router r;
  r.get("/", tag("root"));
  CHECK_FALSE(r.frozen());
  r.freeze();
  CHECK(r.frozen());
  r.freeze();  // twice is harmless
  CHECK_THROWS_AS(r.get("/b", tag("b")), std::logic_error);
  brisk::server::Middleware pass = [](Request& req, Next next) -> Task<Response> { co_return co_await next(req); };
  CHECK_THROWS_AS(r.use(pass), std::logic_error);
  CHECK_THROWS_AS(r.limit("/", {.concurrency = 1, .wait = std::chrono::milliseconds(0)}), std::logic_error);
}

TEST_CASE("router: middleware order: the first added is the outermost", "[router]") {
  auto log = std::make_shared<std::vector<std::string>>();
  Router r;
  r.get("/x", [log](Request&) -> Task<Response> {
    log->push_back("handler");
    co_return Response::text("x");
  });
  r.post("/x", tag("post"));
  for (std::string name : {"A", "B", "C"}) {
    r.use([log, name](Request& req, Next next) -> Task<Response> {
      log->push_back(name + " in");
      Response resp = co_await next(req);
      log->push_back(name + " out");
      resp.headers().add("X-Via", name);
      co_return resp;
    });
  }
  r.freeze();
  RequestHead head = make_head(Method::get, "/x");
  Request req;
  req.reset(head, "");
  RouteMatch m = r.match(Method::get, req.path());
  Response resp = brisk::run((*m.handler)(req));
  CHECK(resp.body() == "x");
  CHECK(*log == std::vector<std::string>{"A in", "B in", "C in", "handler", "C out", "B out", "A out"});
  std::vector<std::string> via;
  for (auto f : resp.headers()) {
    if (f.name == "X-Via") {
      via.emplace_back(f.value);
    }
  }
  CHECK(via == std::vector<std::string>{"C", "B", "A"});

  // 404 and 405 go through the middleware too.
  log->clear();
  Answer missing = call(r, Method::get, "/nope");
  CHECK(missing.status == 404);
  CHECK(*log == std::vector<std::string>{"A in", "B in", "C in", "C out", "B out", "A out"});
  log->clear();
  Answer wrong = call(r, Method::put, "/x");
  CHECK(wrong.status == 405);
  CHECK(wrong.allow == "GET, HEAD, POST");
  CHECK(*log == std::vector<std::string>{"A in", "B in", "C in", "C out", "B out", "A out"});
}

TEST_CASE("router: middleware may answer without calling next, and sees exceptions", "[router]") {
  Router r;
  r.get("/secret", tag("secret"));
  r.get("/boom", [](Request&) -> Task<Response> {
    throw HttpError(418, "teapot");
    co_return Response::text("unreachable");
  });
  r.use([](Request& req, Next next) -> Task<Response> {
    if (req.path() == "/secret") {
      co_return Response::text(401, "who are you?\n");
    }
    try {
      co_return co_await next(req);
    } catch (const HttpError& e) {
      co_return Response::text(e.status(), std::string("caught: ") + e.what());
    }
  });
  r.freeze();
  Answer a = call(r, Method::get, "/secret");
  CHECK(a.status == 401);
  CHECK(a.body == "who are you?\n");
  Answer b = call(r, Method::get, "/boom");
  CHECK(b.status == 418);
  CHECK(b.body == "caught: teapot");
}

TEST_CASE("router: limit() by pattern, for every method of it", "[router]") {
  Router r;
  std::size_t get = r.get("/upload/{id}", tag("get"));
  std::size_t post = r.post("/upload/{id}", tag("post"), {.body = brisk::server::BodyMode::streamed,
                                                          .max_body_bytes = 1024});
  std::size_t other = r.get("/other", tag("other"));
  CHECK(r.routes() == 3);
  CHECK(r.route(get).index == get);
  CHECK(r.route(post).pattern == "/upload/{id}");
  CHECK(r.route(post).method == Method::post);
  CHECK(r.route(post).options.body == brisk::server::BodyMode::streamed);
  CHECK(r.route(post).options.max_body_bytes == 1024u);
  CHECK(r.route(get).options.body == brisk::server::BodyMode::buffered);
  CHECK(r.limit("/upload/{id}", {.concurrency = 4, .wait = std::chrono::milliseconds(250)}));
  CHECK_FALSE(r.limit("/upload/42", {}));
  CHECK_FALSE(r.limit("/nope", {}));
  REQUIRE(r.route(get).limit.has_value());
  REQUIRE(r.route(post).limit.has_value());
  CHECK(r.route(get).limit->concurrency == 4);
  CHECK(r.route(post).limit->wait == std::chrono::milliseconds(250));
  CHECK_FALSE(r.route(other).limit.has_value());
  r.freeze();
  Answer a = call(r, Method::post, "/upload/9");
  REQUIRE(a.route != nullptr);
  CHECK(a.route->index == post);
  CHECK(a.route->limit.has_value());
}

TEST_CASE("router: parameter names point into the router, values into the path", "[router]") {
  Router r;
  r.get("/u/{id}/{rest...}", tag("u"));
  r.freeze();
  RouteMatch m = r.match(Method::get, "/u/12/a/b");
  REQUIRE(m.route != nullptr);
  REQUIRE(m.params.size() == 2);
  CHECK(m.params[0].name == "id");
  CHECK(m.params[0].offset == 3);
  CHECK(m.params[0].length == 2);
  CHECK(m.params[1].name == "rest");
  CHECK(m.params[1].offset == 6);
  CHECK(m.params[1].length == 3);
}

// ---- Request

TEST_CASE("request: reset decodes the path and keeps the query encoded", "[request]") {
  RequestHead head = make_head(Method::post, "/a%20b/c+d%2Fe?q=x+y%21&z=%41&flag");
  head.headers.add("Content-Type", "application/json");
  Request req;
  req.reset(head, "203.0.113.7:51234");
  CHECK(req.method() == Method::post);
  CHECK(req.method_name() == "POST");
  CHECK(req.target() == "/a%20b/c+d%2Fe?q=x+y%21&z=%41&flag");
  CHECK(req.path() == "/a b/c+d/e");
  CHECK(req.raw_query() == "q=x+y%21&z=%41&flag");
  CHECK(req.query("q") == "x y!");
  CHECK(req.query("z") == "A");
  CHECK(req.query("flag") == "");
  CHECK_FALSE(req.query("missing").has_value());
  CHECK(req.query_params() ==
        std::vector<std::pair<std::string, std::string>>{{"q", "x y!"}, {"z", "A"}, {"flag", ""}});
  CHECK(req.header("content-type") == "application/json");
  CHECK(req.peer() == "203.0.113.7:51234");
  CHECK(req.version_major() == 1);
  CHECK(req.version_minor() == 1);
  CHECK(req.keep_alive());
  req.set_keep_alive(false);
  CHECK_FALSE(req.keep_alive());
}

TEST_CASE("request: query_int reads an integer in range, else a 400 naming the parameter", "[request]") {
  RequestHead head = make_head(Method::get, "/?n=42&neg=-3&big=10001&word=ten&half=1.5&empty=&x=%0d%0a<script>");
  Request req;
  req.reset(head, "");
  CHECK(req.query_int("n", 0, 0, 100) == 42);
  CHECK(req.query_int("neg", 0, -10, 10) == -3);
  CHECK(req.query_int("missing", 7, 0, 100) == 7);
  for (const auto& [name, message] : std::vector<std::pair<std::string, std::string>>{
           // The message goes to the client: it never echoes the value.
           {"big", "query parameter big: expected an integer from 0 to 10000"},
           {"neg", "query parameter neg: expected an integer from 0 to 10000"},
           {"word", "query parameter word: expected an integer from 0 to 10000"},
           {"half", "query parameter half: expected an integer from 0 to 10000"},
           {"empty", "query parameter empty: expected an integer from 0 to 10000"},
           {"x", "query parameter x: expected an integer from 0 to 10000"}}) {
    try {
      req.query_int(name, 0, 0, 10'000);
      FAIL("no HttpError for " << name);
    } catch (const HttpError& e) {
      CHECK(e.status() == 400);
      CHECK(std::string(e.what()) == message);
    }
  }
}

TEST_CASE("request: the query survives a move of the Request", "[request]") {
  RequestHead head = make_head(Method::get, "/?a=1");
  auto req = std::make_unique<Request>();
  req->reset(head, "");
  Request moved = std::move(*req);
  req.reset();
  CHECK(moved.raw_query() == "a=1");
  CHECK(moved.query("a") == "1");
}

TEST_CASE("request: reset of absolute-form and of a target without a query", "[request]") {
  RequestHead head = make_head(Method::get, "http://example.com:8080/x/y?k=v#frag");
  Request req;
  req.reset(head, "");
  CHECK(req.path() == "/x/y");
  CHECK(req.raw_query() == "k=v");
  RequestHead plain = make_head(Method::get, "/only");
  req.reset(plain, "");
  CHECK(req.path() == "/only");
  CHECK(req.raw_query().empty());
  CHECK(req.query_params().empty());
}

TEST_CASE("request head: std::swap trades every member, inline or on the heap", "[request]") {
  RequestHead a = make_head(Method::post, "/a-target-too-long-for-the-small-string-buffer", 0);
  a.version_major = 1;
  for (int i = 0; i < 10; ++i) {  // past Headers' inline space
    a.headers.add("A-" + std::to_string(i), "value");
  }
  a.content_length = 5;
  a.keep_alive = false;
  a.expect_continue = true;
  RequestHead b = make_head(Method::get, "/b");
  b.headers.add("B", "1");
  b.chunked = true;
  b.upgrade = true;
  b.trailers.add("X-Sum", "7");

  std::swap(a, b);
  CHECK(a.method == Method::get);
  CHECK(a.target == "/b");
  CHECK(a.version_minor == 1);
  CHECK(a.headers.size() == 1);
  CHECK(a.headers.get("b") == "1");
  CHECK_FALSE(a.content_length.has_value());
  CHECK(a.chunked);
  CHECK(a.keep_alive);
  CHECK_FALSE(a.expect_continue);
  CHECK(a.upgrade);
  CHECK(a.trailers.get("x-sum") == "7");

  CHECK(b.method == Method::post);
  CHECK(b.target == "/a-target-too-long-for-the-small-string-buffer");
  CHECK(b.version_minor == 0);
  REQUIRE(b.headers.size() == 10);
  CHECK(b.headers[9].name == "A-9");
  CHECK(b.content_length == 5u);
  CHECK_FALSE(b.chunked);
  CHECK_FALSE(b.keep_alive);
  CHECK(b.expect_continue);
  CHECK_FALSE(b.upgrade);
  CHECK(b.trailers.empty());

  std::swap(a, b);  // and back, heap headers meeting inline ones the other way
  CHECK(a.headers.size() == 10);
  CHECK(b.headers.get("B") == "1");
}

TEST_CASE("request: reset swaps heads and forgets the previous request", "[request]") {
  Router r;
  r.get("/u/{id}", tag("u"));
  r.freeze();
  RequestHead first = make_head(Method::get, "/u/1");
  Request req;
  req.reset(first, "peer-1");
  RouteMatch m = r.match(req.method(), req.path());
  req.set_params(m.params);
  req.body() = "old body";
  CHECK(req.param("id") == "1");
  CHECK_THROWS_AS(req.param("nope"), std::out_of_range);

  RequestHead second = make_head(Method::put, "/v?x", 0);
  second.headers.add("X", "2");
  req.reset(second, "peer-2");
  CHECK(req.method() == Method::put);
  CHECK(req.path() == "/v");
  CHECK(req.version_minor() == 0);
  CHECK(req.header("X") == "2");
  CHECK(req.peer() == "peer-2");
  CHECK(req.body().empty());
  CHECK_THROWS_AS(req.param("id"), std::out_of_range);
  // The parser's head now holds the previous request's buffers.
  CHECK(second.target == "/u/1");
}

TEST_CASE("request: reset of an undecodable path is 400 and keeps the head", "[request]") {
  for (std::string target : {"/a%zz", "/a%00b", "/a%4", "/%"}) {
    INFO(target);
    RequestHead head = make_head(Method::get, target, 0);
    head.keep_alive = false;
    Request req;
    int status = 0;
    try {
      req.reset(head, "p");
    } catch (const HttpError& e) {
      status = e.status();
    }
    CHECK(status == 400);
    CHECK(req.target() == target);
    CHECK(req.version_minor() == 0);
    CHECK_FALSE(req.keep_alive());
  }
  // A bad escape in the query is not the path's business: it is 400 when read.
  RequestHead head = make_head(Method::get, "/ok?a=%zz&b=1");
  Request req;
  req.reset(head, "");
  CHECK(req.path() == "/ok");
  CHECK(req.query("b") == "1");
  CHECK_THROWS_AS(req.query("a"), HttpError);
}

TEST_CASE("request: json() parses the body, and says where it fails without echoing it", "[request]") {
  RequestHead head = make_head(Method::post, "/j");
  Request req;
  req.reset(head, "");
  req.body() = R"({"a":[1,2],"b":"c"})";
  nlohmann::json j = req.json();
  CHECK(j["a"][1] == 2);
  CHECK(j["b"] == "c");

  auto message = [&](std::string body) -> std::string {
    req.body() = std::move(body);
    try {
      (void)req.json();
    } catch (const HttpError& e) {
      CHECK(e.status() == 400);
      return e.what();
    }
    return "no error";
  };
  CHECK(message("{x") == "invalid JSON body: syntax error while parsing object key - invalid literal at byte 2");
  CHECK(message("[\"<script>\r\n") ==
        "invalid JSON body: syntax error while parsing value - invalid string: control character U+000D (CR) must "
        "be escaped to \\u000D or \\r at byte 11");
  CHECK(message(R"({"a":1}})") ==
        "invalid JSON body: syntax error while parsing value - unexpected '}'; expected end of input at byte 8");
  std::string empty = message("");
  CHECK(empty.rfind("invalid JSON body: ", 0) == 0);
  CHECK(empty.size() > 10);
  CHECK(empty.substr(empty.size() - 10) == " at byte 1");
  CHECK(empty.find("json.exception") == std::string::npos);
}

TEST_CASE("request: body_chunks() on a buffered body yields it once", "[request]") {
  RequestHead head = make_head(Method::post, "/b");
  Request req;
  req.reset(head, "");
  req.body() = "the whole body";
  auto pieces = brisk::run([](Request* r) -> Task<std::vector<std::string>> {
    std::vector<std::string> out;
    auto body = r->body_chunks();
    while (auto chunk = co_await body.next()) {
      out.push_back(std::move(*chunk));
    }
    co_return out;
  }(&req));
  CHECK(pieces == std::vector<std::string>{"the whole body"});

  req.body().clear();
  auto none = brisk::run([](Request* r) -> Task<std::size_t> {
    std::size_t n = 0;
    auto body = r->body_chunks();
    while (auto chunk = co_await body.next()) {
      ++n;
    }
    co_return n;
  }(&req));
  CHECK(none == 0);
}

TEST_CASE("request: methods by name", "[request]") {
  using brisk::server::parse_method;
  using brisk::server::to_string;
  CHECK(parse_method("GET") == Method::get);
  CHECK(parse_method("M-SEARCH") == Method::m_search);
  CHECK(parse_method("SOURCE") == Method::source);
  CHECK_FALSE(parse_method("get").has_value());
  CHECK_FALSE(parse_method("").has_value());
  for (std::size_t i = 0; i < brisk::server::method_count; ++i) {
    auto m = static_cast<Method>(i);
    CHECK(parse_method(to_string(m)) == m);
  }
}
