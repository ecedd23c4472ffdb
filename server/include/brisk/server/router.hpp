#pragma once
// Router: which handler answers a request, by method and path.
//
//   Router r;
//   r.get("/users/{id}", [](Request& req) -> Task<Response> {
//     co_return Response::json({{"id", req.param("id")}});
//   });
//   r.get("/static/{path...}", serve_file);        // the rest of the path, '/' and all
//   r.post("/upload", upload, {.body = BodyMode::streamed});
//   r.use(log_requests);                            // middleware (middleware.hpp)
//   r.freeze();                                     // before the first match()
//
// Patterns are literal segments and `{name}` segments (one non-empty path
// segment each); a last segment may be `{name...}` (the rest of the path,
// possibly empty). A literal segment beats a parameter, a parameter beats a
// tail, whatever the order of registration, so "/users/me" and "/users/{id}"
// can live together. A pattern registered twice for one method, a malformed
// pattern (a '{' or '}' inside a literal; a name that is not a token or has a
// '.'; a tail before the end), one name twice in a pattern, more than
// PathParams::capacity parameters, or a parameter named differently from
// another route's parameter at the same position ("/users/{id}" and
// "/users/{uid}/posts"; a tail's position is its own) throws
// std::invalid_argument, naming the pattern, when added.
//
// Precedence picks among the patterns that have a route for the request's
// method: with GET "/a/{x}" and POST "/a/b", a GET of "/a/b" goes to "/a/{x}".
// A path no pattern matches is answered 404; a path that matches, but not for
// this method, 405 with Allow (the methods of every pattern it matches, in
// the order of Method). GET routes answer HEAD too (the connection drops the
// body). OPTIONS * (asterisk-form: the server itself) is answered 200 with
// Allow listing OPTIONS and every method a route takes; "*" with another
// method, 404. These answers go through the middleware like any handler.
//
// Threads: after freeze() the router is read-only, and every worker matches
// against the same one concurrently. Handlers are called from every worker
// thread at once: a handler's captured state must be immutable or
// thread-safe (per-worker state belongs in the Worker).

#include <brisk/runtime/task.hpp>
#include <brisk/server/middleware.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/response.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brisk::server {

using Handler = std::function<Task<Response>(Request&)>;

enum class BodyMode : std::uint8_t {
  // The connection reads the whole body into Request::body() (up to the
  // limit, else 413) before the handler runs.
  buffered,
  // The handler reads it as it arrives, with Request::body_chunks().
  streamed,
};

struct RouteOptions {
  BodyMode body = BodyMode::buffered;
  // This route's body limit instead of [limits] max_body_bytes.
  std::optional<std::uint64_t> max_body_bytes;
};

// At most `concurrency` requests in the route at once, in the whole process;
// another waits up to `wait` for a slot, then gets 503 with Retry-After.
struct ConcurrencyLimit {
  std::size_t concurrency = 1;
  std::chrono::milliseconds wait{0};
};

struct Route {
  std::string pattern;
  Method method;
  std::size_t index;  // 0..routes()-1, in order of registration
  RouteOptions options;
  std::optional<ConcurrencyLimit> limit;
};

struct RouteMatch {
  // The route matched, or nullptr: then `handler` answers 404, 405 or OPTIONS *.
  const Route* route = nullptr;
  // The route's handler inside the middleware. Valid while the router lives.
  const Next* handler = nullptr;
  PathParams params;
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Returns the route's index (for metrics and limits).
  std::size_t add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  std::size_t get(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return add(Method::get, pattern, std::move(h), o);
  }
  std::size_t post(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return add(Method::post, pattern, std::move(h), o);
  }
  std::size_t put(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return add(Method::put, pattern, std::move(h), o);
  }
  std::size_t del(std::string_view pattern, Handler h, RouteOptions o = {}) {
    return add(Method::delete_, pattern, std::move(h), o);
  }

  // Limits every method of the routes registered under `pattern` (spelled as
  // registered). false when there is no such pattern; before freeze() only.
  bool limit(std::string_view pattern, ConcurrencyLimit limit);

  void use(Middleware middleware);

  // Composes the middleware around each handler; no add() or use() after.
  void freeze();
  bool frozen() const noexcept { return frozen_; }

  RouteMatch match(Method method, std::string_view path) const;

  std::size_t routes() const noexcept { return routes_.size(); }
  const Route& route(std::size_t index) const { return *routes_[index]; }

 private:
  struct Node;
  struct Entry;

  Node& insert(std::string_view pattern, std::vector<std::string>& names);
  const Node* find(const Node& node, std::string_view path, PathParams& params, std::uint64_t wanted,
                   std::uint64_t* seen) const;
  // The methods of every pattern `path` matches (bit i: Method i).
  std::uint64_t allowed_methods(std::string_view path) const;

  bool frozen_ = false;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<Middleware> middleware_;
  Handler not_found_;
  // Every composed chain: the routes', 404's, OPTIONS *'s and each node's 405.
  std::vector<std::unique_ptr<Next>> chains_;
  const Next* not_found_chain_ = nullptr;
  const Next* server_options_chain_ = nullptr;
};

}  // namespace brisk::server
