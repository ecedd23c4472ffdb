#include <brisk/server/http_error.hpp>
#include <brisk/server/url.hpp>

namespace brisk::server {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

const char* where(Decode mode) noexcept { return mode == Decode::path ? "path" : "query string"; }

// Calls f(name, value) for each non-empty '&'-separated pair, undecoded;
// stops early when f returns true.
template <typename F>
void for_each_pair(std::string_view query, F&& f) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (f(name, value)) {
      return;
    }
  }
}

// The first '%' (or, in a query, '+'): find_first_of would call memchr once
// per byte.
std::size_t next_special(std::string_view in, Decode mode) noexcept {
  if (mode == Decode::path) {
    return in.find('%');
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' || in[i] == '+') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

TargetParts split_target(std::string_view target) noexcept {
  if (target.empty() || target == "*") {
    return {target, {}};
  }
  std::string_view rest = target;
  if (target.front() != '/') {
    std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) {
      return {target, {}};
    }
    std::size_t path_start = target.find_first_of("/?#", scheme_end + 3);
    if (path_start == std::string_view::npos) {
      return {"/", {}};
    }
    rest = target.substr(path_start);
  }
  rest = rest.substr(0, rest.find('#'));
  std::size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  if (path.empty()) {
    path = "/";
  }
  return {path, q == std::string_view::npos ? std::string_view() : rest.substr(q + 1)};
}

void percent_decode_append(std::string& out, std::string_view in, Decode mode) {
  while (!in.empty()) {
    std::size_t i = next_special(in, mode);
    out.append(in.substr(0, i));
    if (i == std::string_view::npos) {
      return;
    }
    if (in[i] == '+') {
      out.push_back(' ');
      in.remove_prefix(i + 1);
      continue;
    }
    int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
    int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
    if (lo < 0) {
      throw HttpError(400, std::string("bad percent-escape in the ") + where(mode));
    }
    if (hi == 0 && lo == 0) {
      throw HttpError(400, std::string("%00 in the ") + where(mode));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    in.remove_prefix(i + 3);
  }
}

std::string percent_decode(std::string_view in, Decode mode) {
  std::string out;
  out.reserve(in.size());
  percent_decode_append(out, in, mode);
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  for_each_pair(query, [&](std::string_view raw_name, std::string_view raw_value) {
    bool plain = raw_name.find_first_of("%+") == std::string_view::npos;
    if (plain ? raw_name != name : percent_decode(raw_name, Decode::query) != name) {
      return false;
    }
    found = percent_decode(raw_value, Decode::query);
    return true;
  });
  return found;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for_each_pair(query, [&](std::string_view raw_name, std::string_view raw_value) {
    params.emplace_back(percent_decode(raw_name, Decode::query), percent_decode(raw_value, Decode::query));
    return false;
  });
  return params;
}

}  // namespace brisk::server
