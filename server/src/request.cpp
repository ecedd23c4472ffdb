#include <brisk/server/http_error.hpp>
#include <brisk/server/request.hpp>
#include <brisk/server/url.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <stdexcept>

namespace brisk::server {
namespace {

constexpr std::array<std::string_view, method_count> method_names = {
    "DELETE",   "GET",       "HEAD",     "POST",        "PUT",        "CONNECT",  "OPTIONS",  "TRACE",
    "COPY",     "LOCK",      "MKCOL",    "MOVE",        "PROPFIND",   "PROPPATCH", "SEARCH",  "UNLOCK",
    "BIND",     "REBIND",    "UNBIND",   "ACL",         "REPORT",     "MKACTIVITY", "CHECKOUT", "MERGE",
    "M-SEARCH", "NOTIFY",    "SUBSCRIBE", "UNSUBSCRIBE", "PATCH",     "PURGE",    "MKCALENDAR", "LINK",
    "UNLINK",   "SOURCE",
};

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line
// 1, column 3: syntax error while parsing value - invalid literal; last read:
// '<the body's bytes>'; expected ...": keep what follows the position, which
// is what a client can act on, up to the bytes it quotes, which must not go
// back to the client (its own <script>, CR LF...).
std::string_view parse_error_text(std::string_view what) noexcept {
  if (std::size_t bracket = what.find("] "); what.starts_with("[json.exception.") && bracket != what.npos) {
    what.remove_prefix(bracket + 2);
  }
  if (std::size_t colon = what.find(": "); what.starts_with("parse error") && colon != what.npos) {
    what.remove_prefix(colon + 2);
  }
  return what.substr(0, what.find("; last read: "));
}

}  // namespace

std::string_view to_string(Method m) noexcept { return method_names[static_cast<std::size_t>(m)]; }

std::optional<Method> parse_method(std::string_view name) noexcept {
  for (std::size_t i = 0; i < method_names.size(); ++i) {
    if (method_names[i] == name) {
      return static_cast<Method>(i);
    }
  }
  return std::nullopt;
}

void RequestHead::clear() noexcept {
  method = Method::get;
  target.clear();
  version_major = 1;
  version_minor = 1;
  headers.clear();
  trailers.clear();
  content_length.reset();
  chunked = false;
  keep_alive = true;
  expect_continue = false;
  upgrade = false;
}

void Request::reset(RequestHead& head, std::string_view peer) {
  std::swap(head_, head);
  begin(peer);
}

void Request::begin(std::string_view peer) {
  peer_.assign(peer);
  params_.clear();
  source_ = nullptr;
  // A large body's buffer goes with its request: an idle connection keeps
  // only a small one.
  if (body_.capacity() > 16 * 1024) {
    body_ = std::string();
  } else {
    body_.clear();
  }
  path_.clear();
  TargetParts parts = split_target(head_.target);
  query_offset_ = parts.query.empty() ? 0 : static_cast<std::size_t>(parts.query.data() - head_.target.data());
  query_length_ = parts.query.size();
  percent_decode_append(path_, parts.path, Decode::path);
}

std::optional<std::string> Request::query(std::string_view name) const { return query_param(raw_query(), name); }

long Request::query_int(std::string_view name, long fallback, long low, long high) const {
  auto text = query(name);
  if (!text) {
    return fallback;
  }
  long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
    // Not the value: the message goes back to the client.
    throw HttpError(400, "query parameter " + std::string(name) + ": expected an integer from " +
                             std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

std::vector<std::pair<std::string, std::string>> Request::query_params() const { return parse_query(raw_query()); }

std::string_view Request::param(std::string_view name) const {
  for (std::size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].name == name) {
      return std::string_view(path_).substr(params_[i].offset, params_[i].length);
    }
  }
  throw std::out_of_range("the route has no path parameter '" + std::string(name) + "'");
}

Generator<std::string> Request::body_chunks() {
  if (source_ != nullptr) {
    return source_->chunks();
  }
  return [](const std::string& body) -> Generator<std::string> {
    if (!body.empty()) {
      co_yield body;
    }
  }(body_);
}

nlohmann::json Request::json() const {
  try {
    return nlohmann::json::parse(body_);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, "invalid JSON body: " + std::string(parse_error_text(e.what())) + " at byte " +
                             std::to_string(e.byte));
  }
}

}  // namespace brisk::server
