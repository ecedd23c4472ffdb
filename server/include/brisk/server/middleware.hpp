#pragma once
// Middleware: code that runs around every route's handler (logging, auth,
// CORS, timing), written like the handler itself:
//
//   router.use([](Request& req, Next next) -> Task<Response> {
//     if (!req.header("Authorization")) {
//       co_return Response::text(401, "who are you?\n");
//     }
//     Response r = co_await next(req);
//     r.headers().add("X-Frame-Options", "DENY");
//     co_return r;
//   });
//
// Order: the first middleware added is the outermost; it runs first and sees
// the response last. Middleware also wraps the router's own 404 and 405
// answers (RouteMatch::handler), so a logger sees every request.
//
// Composition happens once, when the router is frozen: calling a route costs
// one call per layer and allocates nothing but the coroutine frames. `next`
// is a small handle into the router's chain (copying it allocates nothing);
// it and the middleware's captures live as long as the router, which calls
// the stored closures in place. An exception from an inner layer comes out of
// `co_await next(req)`: catch HttpError there to shape error responses.

#include <brisk/runtime/task.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/response.hpp>

#include <functional>

namespace brisk::server {

using Next = std::function<Task<Response>(Request&)>;
using Middleware = std::function<Task<Response>(Request&, Next)>;

}  // namespace brisk::server
