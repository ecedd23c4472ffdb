#include <brisk/server/router.hpp>

#include <array>
#include <stdexcept>

namespace brisk::server {
namespace {

enum class Segment { literal, param, tail };

struct ParsedSegment {
  Segment kind;
  std::string_view text;  // the literal, or the parameter's name
};

ParsedSegment parse_segment(std::string_view pattern, std::string_view seg, bool last) {
  if (!seg.starts_with('{')) {
    if (seg.find_first_of("{}") != seg.npos) {
      throw std::invalid_argument("route \"" + std::string(pattern) + "\": a '{' or '}' inside a literal segment");
    }
    return {Segment::literal, seg};
  }
  if (!seg.ends_with('}') || seg.size() < 3) {
    throw std::invalid_argument("route \"" + std::string(pattern) + "\": a parameter is written {name}");
  }
  std::string_view name = seg.substr(1, seg.size() - 2);
  Segment kind = Segment::param;
  if (name.ends_with("...")) {
    if (!last) {
      throw std::invalid_argument("route \"" + std::string(pattern) + "\": {" + std::string(name) +
                                  "} must be the last segment");
    }
    name.remove_suffix(3);
    kind = Segment::tail;
  }
  if (name.empty() || !is_token(name) || name.find('.') != name.npos) {
    throw std::invalid_argument("route \"" + std::string(pattern) + "\": bad parameter name \"" +
                                std::string(name) + "\"");
  }
  return {kind, name};
}

constexpr std::uint64_t method_bit(Method m) noexcept { return std::uint64_t{1} << static_cast<unsigned>(m); }
static_assert(method_count <= 64, "a method set is a 64-bit mask");

// The Allow value for a set of methods; GET implies HEAD.
std::string allow_value(std::uint64_t methods) {
  if ((methods & method_bit(Method::get)) != 0) {
    methods |= method_bit(Method::head);
  }
  std::string allow;
  for (std::size_t m = 0; m < method_count; ++m) {
    if ((methods & method_bit(static_cast<Method>(m))) != 0) {
      allow.append(allow.empty() ? "" : ", ").append(to_string(static_cast<Method>(m)));
    }
  }
  return allow;
}

// The next segment of `rest` (which has no leading '/'), and what follows it.
std::string_view next_segment(std::string_view rest, std::string_view& after) noexcept {
  std::size_t slash = rest.find('/');
  if (slash == rest.npos) {
    after = {};
    return rest;
  }
  after = rest.substr(slash + 1);
  return rest.substr(0, slash);
}

}  // namespace

struct Router::Entry {
  Route* route;
  Handler handler;
  const Next* chain = nullptr;
};

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> tail;
  std::string name;  // of the parameter this node captures (param and tail nodes)
  std::array<Entry*, method_count> by_method{};
  std::uint64_t methods = 0;  // method_bit() of each by_method entry
  bool has_routes = false;
  const Next* not_allowed = nullptr;
};

Router::Router() : root_(std::make_unique<Node>()) {
  not_found_ = [](Request&) -> Task<Response> { co_return Response::text(404, "Not Found\n"); };
}

Router::~Router() = default;

Router::Node& Router::insert(std::string_view pattern, std::vector<std::string>& names) {
  if (!pattern.starts_with('/')) {
    throw std::invalid_argument("route \"" + std::string(pattern) + "\": a pattern starts with '/'");
  }
  // Check the whole pattern before the tree changes: a refused pattern must
  // leave no nodes behind (a stray parameter node would claim its name, and
  // one past PathParams::capacity would overflow the params when matched).
  std::vector<ParsedSegment> segments;
  std::string_view rest = pattern.substr(1);
  for (bool more = true; more;) {
    std::string_view after;
    std::string_view seg = next_segment(rest, after);
    more = rest.find('/') != rest.npos;
    ParsedSegment parsed = parse_segment(pattern, seg, !more);
    if (parsed.kind != Segment::literal) {
      for (const auto& n : names) {
        if (n == parsed.text) {
          throw std::invalid_argument("route \"" + std::string(pattern) + "\": parameter {" + n + "} twice");
        }
      }
      names.emplace_back(parsed.text);
    }
    segments.push_back(parsed);
    rest = after;
  }
  if (names.size() > PathParams::capacity) {
    throw std::invalid_argument("route \"" + std::string(pattern) + "\": more than " +
                                std::to_string(PathParams::capacity) + " parameters");
  }
  // A parameter node has one name. Only nodes that exist can disagree, so
  // check along the existing part of the pattern's path, then build.
  const Node* existing = root_.get();
  for (const ParsedSegment& parsed : segments) {
    const Node* next = nullptr;
    if (parsed.kind == Segment::literal) {
      for (const auto& [text, n] : existing->literals) {
        if (text == parsed.text) {
          next = n.get();
        }
      }
    } else {
      const auto& slot = parsed.kind == Segment::param ? existing->param : existing->tail;
      if (slot && slot->name != parsed.text) {
        throw std::invalid_argument("route \"" + std::string(pattern) + "\": parameter {" +
                                    std::string(parsed.text) + "} where another route has {" + slot->name + "}");
      }
      next = slot.get();
    }
    if (next == nullptr) {
      break;
    }
    existing = next;
  }
  Node* node = root_.get();
  for (const ParsedSegment& parsed : segments) {
    if (parsed.kind == Segment::literal) {
      Node* child = nullptr;
      for (auto& [text, n] : node->literals) {
        if (text == parsed.text) {
          child = n.get();
        }
      }
      if (child == nullptr) {
        node->literals.emplace_back(std::string(parsed.text), std::make_unique<Node>());
        child = node->literals.back().second.get();
      }
      node = child;
    } else {
      auto& slot = parsed.kind == Segment::param ? node->param : node->tail;
      if (!slot) {
        slot = std::make_unique<Node>();
        slot->name = parsed.text;
      }
      node = slot.get();
    }
  }
  return *node;
}

std::size_t Router::add(Method method, std::string_view pattern, Handler handler, RouteOptions options) {
  if (frozen_) {
    throw std::logic_error("Router::add after freeze()");
  }
  std::vector<std::string> names;
  Node& node = insert(pattern, names);
  auto m = static_cast<std::size_t>(method);
  if (node.by_method[m] != nullptr) {
    throw std::invalid_argument("route \"" + std::string(pattern) + "\": " + std::string(to_string(method)) +
                                " registered twice");
  }
  auto route = std::make_unique<Route>(Route{std::string(pattern), method, routes_.size(), options, std::nullopt});
  auto entry = std::make_unique<Entry>(Entry{route.get(), std::move(handler)});
  node.by_method[m] = entry.get();
  node.methods |= method_bit(method);
  node.has_routes = true;
  routes_.push_back(std::move(route));
  entries_.push_back(std::move(entry));
  return routes_.size() - 1;
}

bool Router::limit(std::string_view pattern, ConcurrencyLimit limit) {
  if (frozen_) {
    throw std::logic_error("Router::limit after freeze()");  // workers read the routes unlocked
  }
  bool found = false;
  for (auto& r : routes_) {
    if (r->pattern == pattern) {
      r->limit = limit;
      found = true;
    }
  }
  return found;
}

void Router::use(Middleware middleware) {
  if (frozen_) {
    throw std::logic_error("Router::use after freeze()");
  }
  middleware_.push_back(std::move(middleware));
}

void Router::freeze() {
  if (frozen_) {
    return;
  }
  frozen_ = true;
  // The chain around `inner`: layer i calls middleware i with a Next that
  // points at layer i + 1. Each layer lives in its own heap cell, so the
  // pointers stay put, and a Next holds just one pointer (no allocation when
  // copied).
  auto compose = [this](Handler inner) -> const Next* {
    chains_.push_back(std::make_unique<Next>(std::move(inner)));
    for (auto mw = middleware_.rbegin(); mw != middleware_.rend(); ++mw) {
      const Next* next = chains_.back().get();
      const Middleware* layer = &*mw;
      chains_.push_back(std::make_unique<Next>([layer, next](Request& req) {
        return (*layer)(req, Next([next](Request& r) { return (*next)(r); }));
      }));
    }
    return chains_.back().get();
  };
  for (auto& e : entries_) {
    e->chain = compose(e->handler);
  }
  not_found_chain_ = compose(not_found_);
  // OPTIONS * asks what the server as a whole supports (RFC 9110 9.3.7).
  std::uint64_t every_method = method_bit(Method::options);
  for (const auto& r : routes_) {
    every_method |= method_bit(r->method);
  }
  server_options_chain_ = compose([allow = allow_value(every_method)](Request&) -> Task<Response> {
    co_return Response::status(200).with_header("Allow", allow);
  });

  auto visit = [&](auto& self, Node& node) -> void {
    if (node.has_routes) {
      // Allow lists the methods of every pattern the path matches, which
      // depends on the path ("/a/b" may match "/a/b" and "/a/{x}"): the
      // request's path (the one matched) adds to this node's own.
      node.not_allowed = compose([this, own = node.methods](Request& req) -> Task<Response> {
        std::string allow = allow_value(own | allowed_methods(req.path()));
        co_return Response::text(405, "Method Not Allowed\n").with_header("Allow", allow);
      });
    }
    for (auto& [text, child] : node.literals) {
      self(self, *child);
    }
    if (node.param) {
      self(self, *node.param);
    }
    if (node.tail) {
      self(self, *node.tail);
    }
  };
  visit(visit, *root_);
}

// Depth first, literal before parameter before tail; a dead end, or a node
// without a route for `wanted`, backs up and tries the next kind. With
// `seen`, the walk visits every node the path matches, adds their methods to
// *seen and returns nullptr.
const Router::Node* Router::find(const Node& node, std::string_view path, PathParams& params, std::uint64_t wanted,
                                 std::uint64_t* seen) const {
  struct Walker {
    std::string_view path;
    PathParams& params;
    std::uint64_t wanted;
    std::uint64_t* seen;

    bool accept(const Node& n) const {
      if (seen != nullptr) {
        *seen |= n.methods;
        return false;
      }
      return (n.methods & wanted) != 0;
    }

    // `pos` is the offset in `path` of what is left to match.
    const Node* walk(const Node& n, std::size_t pos, bool done) const {
      if (done) {
        if (n.has_routes && accept(n)) {
          return &n;
        }
        // "/static" still matches "/static/{path...}" with an empty tail.
        if (n.tail && n.tail->has_routes) {
          params.push({n.tail->name, static_cast<std::uint32_t>(path.size()), 0});
          if (accept(*n.tail)) {
            return n.tail.get();
          }
          params.pop();
        }
        return nullptr;
      }
      std::string_view rest = path.substr(pos);
      std::size_t slash = rest.find('/');
      std::string_view seg = rest.substr(0, slash);
      std::size_t next = slash == rest.npos ? path.size() : pos + slash + 1;
      bool last = slash == rest.npos;
      for (const auto& [text, child] : n.literals) {
        if (text == seg) {
          if (const Node* found = walk(*child, next, last)) {
            return found;
          }
          break;
        }
      }
      if (n.param && !seg.empty()) {
        params.push({n.param->name, static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(seg.size())});
        if (const Node* found = walk(*n.param, next, last)) {
          return found;
        }
        params.pop();
      }
      if (n.tail && n.tail->has_routes) {
        params.push({n.tail->name, static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(path.size() - pos)});
        if (accept(*n.tail)) {
          return n.tail.get();
        }
        params.pop();
      }
      return nullptr;
    }
  };
  if (!path.starts_with('/')) {
    return nullptr;
  }
  return Walker{path, params, wanted, seen}.walk(node, 1, false);
}

std::uint64_t Router::allowed_methods(std::string_view path) const {
  PathParams params;
  std::uint64_t seen = 0;
  find(*root_, path, params, 0, &seen);
  return seen;
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch m;
  if (path == "*") {
    m.handler = method == Method::options ? server_options_chain_ : not_found_chain_;
    return m;
  }
  // The first pattern, in precedence order, with a route for the method
  // (HEAD is answered by GET): "/a/b" for POST only does not hide
  // "/a/{x}" from a GET.
  std::uint64_t wanted = method_bit(method);
  if (method == Method::head) {
    wanted |= method_bit(Method::get);
  }
  const Node* node = find(*root_, path, m.params, wanted, nullptr);
  if (node == nullptr) {
    // 405 from the first pattern the path matches for any method, else 404.
    m.params.clear();
    node = find(*root_, path, m.params, ~std::uint64_t{0}, nullptr);
    m.params.clear();
    m.handler = node != nullptr ? node->not_allowed : not_found_chain_;
    return m;
  }
  const Entry* entry = node->by_method[static_cast<std::size_t>(method)];
  if (entry == nullptr) {
    entry = node->by_method[static_cast<std::size_t>(Method::get)];  // HEAD
  }
  m.route = entry->route;
  m.handler = entry->chain;
  return m;
}

}  // namespace brisk::server
