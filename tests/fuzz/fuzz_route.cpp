// Fuzz target for the way from a request-target to a handler: a router built
// from fuzzed patterns, then fuzzed targets decoded into a Request
// (split_target, percent-decoding), matched, and answered through the
// middleware, as a connection does. Every step is compared with a plain model
// written from the documentation in url.hpp and router.hpp, not from the code:
// which patterns add() refuses, how a target splits into path and query, what
// the path decodes to (or that it is 400), which route answers and with what
// parameters, 404 against 405 and its Allow, and the query's parameters, one
// by one (query) and all (query_params).
//
// Input: a byte with the number of routes; per route a method byte, a
// segment-count byte and one byte per segment (menu below); then targets, one
// per line, each led by its method byte.
//
//   any build: fuzz_route_replay runs tests/fuzz/corpus/route as a test;
//   clang with -DBRISK_FUZZ=ON: fuzz_route searches (tests/fuzz/CMakeLists.txt).

#include <brisk/runtime/run.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/server/http_error.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/response.hpp>
#include <brisk/server/router.hpp>
#include <brisk/server/url.hpp>

#include "promise.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using brisk::Task;
using brisk::fuzz::broken;
using brisk::fuzz::expect;
using brisk::server::HttpError;
using brisk::server::Method;
using brisk::server::Next;
using brisk::server::Request;
using brisk::server::RequestHead;
using brisk::server::Response;
using brisk::server::Router;

constexpr std::array methods{Method::get, Method::post, Method::head, Method::put, Method::delete_};

// --- Patterns -------------------------------------------------------------

enum class Kind { literal, param, tail, malformed };

struct Segment {
  Kind kind;
  std::string text;  // a literal, a parameter's name, or the malformed segment as written

  std::string spelled() const {
    switch (kind) {
      case Kind::param:
        return "{" + text + "}";
      case Kind::tail:
        return "{" + text + "...}";
      default:
        return text;
    }
  }
  // Two segments that lead to the same node of the tree: names aside.
  bool same_place(const Segment& other) const {
    return kind == other.kind && (kind != Kind::literal || text == other.text);
  }
};

// A segment byte: its low four bits pick the kind, the high four a name.
Segment segment_from(std::uint8_t byte) {
  static constexpr std::array<std::string_view, 6> literals{"a", "b", "ab", "", ".", "%"};
  static constexpr std::array<std::string_view, 3> malformed{"{", "a}b", "{a.b}"};
  const unsigned pick = byte % 16;
  const std::string name = "n" + std::to_string((byte / 16) % 10);
  if (pick < literals.size()) {
    return {Kind::literal, std::string(literals[pick])};
  }
  if (pick < 10) {
    return {Kind::param, name};
  }
  if (pick < 13) {
    return {Kind::tail, name};
  }
  return {Kind::malformed, std::string(malformed[pick - 13])};
}

struct RouteModel {
  Method method;
  std::vector<Segment> segments;
  std::string pattern;
  std::size_t index = 0;  // the router's, once added
};

// Whether router.hpp says add() refuses `route` after `added`.
bool refused(const RouteModel& route, const std::vector<RouteModel>& added) {
  const auto& segs = route.segments;
  std::set<std::string> names;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].kind == Kind::malformed || (segs[i].kind == Kind::tail && i + 1 != segs.size())) {
      return true;
    }
    if (segs[i].kind != Kind::literal && !names.insert(segs[i].text).second) {
      return true;  // a parameter twice
    }
  }
  if (names.size() > brisk::server::PathParams::capacity) {
    return true;
  }
  for (const RouteModel& other : added) {
    std::size_t i = 0;
    for (; i < segs.size() && i < other.segments.size() && segs[i].same_place(other.segments[i]); ++i) {
      if (segs[i].kind != Kind::literal && segs[i].text != other.segments[i].text) {
        return true;  // another name for a parameter at the same place
      }
    }
    if (i == segs.size() && i == other.segments.size() && route.method == other.method) {
      return true;  // registered twice
    }
  }
  return false;
}

// --- Targets --------------------------------------------------------------

std::optional<std::string> model_decode(std::string_view in, bool query) {
  auto hex = [](char c) -> int {
    const std::string_view digits = "0123456789abcdef";
    const char lower = (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
    const std::size_t at = digits.find(lower);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
  };
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (query && in[i] == '+') {
      out += ' ';
    } else if (in[i] != '%') {
      out += in[i];
    } else if (i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      const int byte = hex(in[i + 1]) * 16 + hex(in[i + 2]);
      if (byte == 0) {
        return std::nullopt;
      }
      out += static_cast<char>(byte);
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// url.hpp's split_target: origin-form "/a/b?x=1" -> ("/a/b", "x=1");
// absolute-form "http://h:8/a?x" -> ("/a", "x"), "/" when it has no path;
// "*" -> ("*", ""); a fragment dropped; anything else whole, as the path.
std::pair<std::string_view, std::string_view> model_split(std::string_view target) {
  std::string_view rest = target;
  if (!target.starts_with('/')) {
    const std::size_t scheme = target.find("://");
    if (scheme == std::string_view::npos) {
      return {target, {}};
    }
    // The authority runs to the path, the query or the fragment.
    std::size_t after = scheme + 3;
    while (after < target.size() && target[after] != '/' && target[after] != '?' && target[after] != '#') {
      ++after;
    }
    rest = target.substr(after);
  }
  rest = rest.substr(0, rest.find('#'));
  const std::size_t q = rest.find('?');
  const std::string_view path = rest.substr(0, q);
  return {path.empty() ? std::string_view("/") : path,
          q == std::string_view::npos ? std::string_view() : rest.substr(q + 1)};
}

// The '&'-separated pairs of a raw query, undecoded, empty ones skipped; a
// pair without '=' has an empty value.
std::vector<std::pair<std::string_view, std::string_view>> raw_pairs(std::string_view query) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      pairs.emplace_back(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
  }
  return pairs;
}

// parse_query: every pair decoded, or nullopt (a 400) for any bad escape.
std::optional<Pairs> model_query(std::string_view query) {
  Pairs pairs;
  for (const auto& [raw_name, raw_value] : raw_pairs(query)) {
    auto name = model_decode(raw_name, true);
    auto value = model_decode(raw_value, true);
    if (!name || !value) {
      return std::nullopt;
    }
    pairs.emplace_back(std::move(*name), std::move(*value));
  }
  return pairs;
}

// query_param: the first pair whose decoded name is `name`; a bad escape in
// a name before it, or in its value, is a 400; the rest is not looked at.
struct ParamAnswer {
  bool bad_request = false;
  std::optional<std::string> value;
  bool operator==(const ParamAnswer&) const = default;
};

ParamAnswer model_query_param(std::string_view query, std::string_view name) {
  for (const auto& [raw_name, raw_value] : raw_pairs(query)) {
    const auto decoded = model_decode(raw_name, true);
    if (!decoded) {
      return {true, std::nullopt};
    }
    if (*decoded == name) {
      auto value = model_decode(raw_value, true);
      return value ? ParamAnswer{false, std::move(value)} : ParamAnswer{true, std::nullopt};
    }
  }
  return {};
}

// What answers a decoded path, by router.hpp's rules.
struct Expected {
  int status = 404;
  std::string body = "Not Found\n";
  std::string allow;  // of a 405
};

std::string route_body(std::size_t index, const Pairs& params) {
  std::string body = "route " + std::to_string(index);
  for (const auto& [name, value] : params) {
    body.append(" ").append(name).append("=").append(value);
  }
  return body;
}

Expected model_answer(const std::vector<RouteModel>& routes, Method method, const std::string& path) {
  struct Candidate {
    const RouteModel* route;
    std::vector<int> precedence;  // per segment: literal 0, parameter 1, tail 2
    Pairs params;
  };
  std::vector<Candidate> candidates;
  if (path.starts_with('/')) {
    std::vector<std::pair<std::size_t, std::string_view>> parts;  // offset, segment
    for (std::size_t at = 1;;) {
      const std::size_t slash = path.find('/', at);
      parts.emplace_back(at, std::string_view(path).substr(at, slash - at));
      if (slash == std::string::npos) {
        break;
      }
      at = slash + 1;
    }
    for (const RouteModel& route : routes) {
      const auto& segs = route.segments;
      const bool tail = segs.back().kind == Kind::tail;
      const std::size_t fixed = tail ? segs.size() - 1 : segs.size();
      if (tail ? parts.size() < fixed : parts.size() != fixed) {
        continue;
      }
      Candidate c{&route, {}, {}};
      bool matches = true;
      for (std::size_t i = 0; i < fixed && matches; ++i) {
        if (segs[i].kind == Kind::literal) {
          matches = parts[i].second == segs[i].text;
          c.precedence.push_back(0);
        } else {
          matches = !parts[i].second.empty();
          c.precedence.push_back(1);
          c.params.emplace_back(segs[i].text, parts[i].second);
        }
      }
      if (!matches) {
        continue;
      }
      if (tail) {
        c.precedence.push_back(2);
        c.params.emplace_back(segs.back().text, parts.size() == fixed ? "" : path.substr(parts[fixed].first));
      }
      candidates.push_back(std::move(c));
    }
  }
  auto wanted = [method](Method m) { return m == method || (method == Method::head && m == Method::get); };
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    // Of two candidates with equal precedence (one node), the request's own
    // method beats GET answering HEAD.
    if (wanted(c.route->method) && (best == nullptr || c.precedence < best->precedence ||
                                    (c.precedence == best->precedence && c.route->method == method))) {
      best = &c;
    }
  }
  Expected e;
  if (best != nullptr) {
    e.status = 200;
    e.body = route_body(best->route->index, best->params);
  } else if (!candidates.empty()) {
    std::set<Method> allowed;
    for (const Candidate& c : candidates) {
      allowed.insert(c.route->method);
      if (c.route->method == Method::get) {
        allowed.insert(Method::head);
      }
    }
    e.status = 405;
    e.body = "Method Not Allowed\n";
    for (Method m : allowed) {  // in the enum's order, as Allow lists them
      e.allow.append(e.allow.empty() ? "" : ", ").append(to_string(m));
    }
  }
  return e;
}

// Route `index`'s handler: its index and its parameters' values. (Not a
// coroutine lambda: GCC 12 gives two of those in an extern "C" function
// the same symbol.)
Task<Response> answer_route(std::size_t index, Pairs params, Request& req) {
  for (auto& [name, value] : params) {
    value = req.param(name);
  }
  co_return Response::text(route_body(index, params));
}

Task<Response> mark_through(Request& req, Next next) {
  Response r = co_await next(req);
  r.headers().set("X-Through", "1");
  co_return r;
}

struct Probe {
  Method method;
  std::string target;
};

std::string describe(const Probe& probe) {
  return std::string(to_string(probe.method)) + " \"" + probe.target + "\"";
}

void check_query(const Probe& probe, const Request& req) {
  const auto expected = model_query(req.raw_query());
  std::optional<Pairs> got;
  try {
    got = req.query_params();
  } catch (const HttpError& e) {
    expect(e.status() == 400, describe(probe) + ": a bad query escape is a 400");
  }
  expect(got == expected, describe(probe) + ": query_params() decodes each pair, or is a 400 for a bad escape");

  // query(name) for each name that decodes, and for one that is absent.
  std::set<std::string> names{"\x01"};
  for (const auto& pair : raw_pairs(req.raw_query())) {
    if (auto name = model_decode(pair.first, true)) {
      names.insert(std::move(*name));
    }
  }
  for (const std::string& name : names) {
    ParamAnswer answer;
    try {
      answer.value = req.query(name);
    } catch (const HttpError& e) {
      expect(e.status() == 400, describe(probe) + ": a bad query escape is a 400");
      answer.bad_request = true;
    }
    expect(answer == model_query_param(req.raw_query(), name),
           describe(probe) + ": query(\"" + name + "\") is the first value, a 400 for a bad escape before it");
  }
}

Task<void> check_probes(const Router& router, const std::vector<RouteModel>& routes, const std::vector<Probe>& probes) {
  for (const Probe& probe : probes) {
    RequestHead head;
    head.method = probe.method;
    head.target = probe.target;
    Request req;
    const auto [path, query] = model_split(probe.target);
    const auto parts = brisk::server::split_target(probe.target);
    expect(parts.path == path && parts.query == query, describe(probe) + ": split_target as url.hpp describes it");
    const auto decoded = model_decode(path, false);
    bool decodes = true;
    try {
      req.reset(head, "192.0.2.1:1234");
    } catch (const HttpError& e) {
      expect(e.status() == 400, describe(probe) + ": a path that does not decode is a 400");
      decodes = false;
    }
    expect(decodes == decoded.has_value(), describe(probe) + ": the path decodes exactly when the model says");
    if (!decodes) {
      continue;
    }
    expect(req.path() == *decoded, describe(probe) + ": the decoded path");
    expect(req.raw_query() == query, describe(probe) + ": raw_query() is the target's query");
    check_query(probe, req);

    const auto m = router.match(req.method(), req.path());
    expect(m.handler != nullptr, describe(probe) + ": match() always gives a handler");
    req.set_params(m.params);
    const Response r = co_await (*m.handler)(req);
    const Expected e = model_answer(routes, probe.method, req.path());
    const std::string allow(r.headers().get("Allow").value_or(""));
    if (r.status() != e.status || r.body() != e.body || allow != e.allow) {
      broken(describe(probe) + " (path \"" + req.path() + "\"): answered " + std::to_string(r.status()) + " \"" +
             r.body() + "\" Allow \"" + allow + "\", the model says " + std::to_string(e.status) + " \"" + e.body +
             "\" Allow \"" + e.allow + "\"");
    }
    expect((m.route != nullptr) == (e.status == 200), describe(probe) + ": a route is matched exactly when it answers");
    expect(r.headers().get("X-Through") == "1", describe(probe) + ": every answer goes through the middleware");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t at = 0;
  auto take = [&]() -> std::optional<std::uint8_t> {
    return at < size ? std::optional<std::uint8_t>(data[at++]) : std::nullopt;
  };

  Router router;
  std::vector<RouteModel> routes;
  const unsigned route_count = take().value_or(0) % 9;
  for (unsigned r = 0; r < route_count; ++r) {
    const auto method_byte = take();
    const auto count_byte = take();
    if (!count_byte) {
      break;
    }
    RouteModel route{methods[*method_byte % methods.size()], {}, {}};
    for (unsigned s = 0, n = 1 + *count_byte % 10; s < n; ++s) {
      route.segments.push_back(segment_from(take().value_or(0)));
      route.pattern.append("/").append(route.segments.back().spelled());
    }
    const bool should_refuse = refused(route, routes);
    Pairs names;  // of the parameters, for the handler to fill in
    for (const Segment& s : route.segments) {
      if (s.kind == Kind::param || s.kind == Kind::tail) {
        names.emplace_back(s.text, "");
      }
    }
    const std::size_t index = routes.size();
    try {
      route.index = router.add(route.method, route.pattern,
                               [index, names](Request& req) { return answer_route(index, names, req); });
    } catch (const std::invalid_argument& e) {
      expect(should_refuse, "add(" + route.pattern + ") refused: " + e.what());
      expect(std::string_view(e.what()).starts_with("route \"" + route.pattern + "\""),
             std::string("the refusal names the pattern: ") + e.what());
      continue;
    }
    expect(!should_refuse, "add(" + route.pattern + ") accepted a pattern router.hpp says it refuses");
    expect(route.index == index, "add() returns the index of the route");
    routes.push_back(std::move(route));
  }
  router.use(mark_through);
  router.freeze();

  std::vector<Probe> probes;
  while (at < size && probes.size() < 16) {
    const Method method = methods[data[at++] % methods.size()];
    const std::string_view rest(reinterpret_cast<const char*>(data + at), size - at);
    const std::size_t end = rest.find('\n');
    probes.push_back({method, std::string(rest.substr(0, end))});
    at += end == std::string_view::npos ? rest.size() : end + 1;
  }
  brisk::run(check_probes(router, routes, probes));
  return 0;
}
