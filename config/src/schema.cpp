#include "schema.hpp"

#include <brisk/config/error.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <sstream>
#include <system_error>

namespace brisk::config::detail {

void fail(std::string_view origin, std::string_view key, std::string_view shown, std::string_view expected) {
  std::string message;
  if (!origin.empty()) {
    message.append(origin).append(": ");
  }
  message.append(key).append(" = ").append(shown).append(": expected ").append(expected);
  throw ConfigError(message, std::string(key));
}

void fail_unknown(std::string_view origin, std::string_view key, const std::optional<std::string>& suggestion) {
  std::string message;
  if (!origin.empty()) {
    message.append(origin).append(": ");
  }
  message.append("unknown key ").append(key);
  if (suggestion) {
    message.append(" (did you mean ").append(*suggestion).append("?)");
  }
  throw ConfigError(message, std::string(key));
}

std::string Range::expected() const {
  return std::string(noun) + " from " + std::to_string(min) + " to " + std::to_string(max);
}

namespace {

// Appends `c`, or its TOML escape if it is a control character.
void append_visible(std::string& out, char c) {
  const auto u = static_cast<unsigned char>(c);
  switch (c) {
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (u < 0x20 || u == 0x7f) {
        static constexpr char hex[] = "0123456789ABCDEF";
        out += "\\u00";
        out += hex[u >> 4];
        out += hex[u & 0xf];
      } else {
        out += c;
      }
  }
}

}  // namespace

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      append_visible(out, c);
    }
  }
  out += '"';
  return out;
}

std::string visible(std::string_view text) {
  std::string out;
  for (char c : text) {
    append_visible(out, c);
  }
  return out;
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

std::string key_text(std::string_view key) { return is_bare_key(key) ? std::string(key) : quote(key); }

bool is_url_path(std::string_view text) {
  if (!text.starts_with('/')) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f && c != '?' && c != '#';
  });
}

bool is_literal_url_path(std::string_view text) {
  return is_url_path(text) && text.find_first_of("{}") == std::string_view::npos;
}

// ---- Input

std::string Input::shown() const {
  if (node == nullptr) {
    return quote(text);
  }
  if (const auto* s = node->as_string()) {
    return quote(s->get());
  }
  if (node->is_table()) {
    return "(a table)";
  }
  // On one line: toml++ writes a long array over several, and by default may
  // write a string in it as a multi-line literal. Without format flags it
  // writes basic strings (escaped) and no indentation, so only the array's
  // own line breaks are left to turn into spaces.
  std::ostringstream out;
  out << toml::toml_formatter(*node, toml::format_flags::none);
  std::string shown = out.str();
  std::replace(shown.begin(), shown.end(), '\n', ' ');
  return shown;
}

void Input::fail(std::string_view expected) const { detail::fail(origin, key, shown(), expected); }

std::int64_t Input::integer(const Range& range) const { return integer(range, range.expected()); }

std::int64_t Input::integer(const Range& range, const std::string& expected) const {
  std::optional<std::int64_t> value;
  if (node != nullptr) {
    if (const auto* i = node->as_integer()) {
      value = i->get();
    }
  } else {
    std::int64_t parsed = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (!text.empty() && ec == std::errc{} && end == text.data() + text.size()) {
      value = parsed;
    }
  }
  if (!value || !range.contains(*value)) {
    fail(expected);
  }
  return *value;
}

bool Input::boolean() const {
  if (node != nullptr) {
    if (const auto* b = node->as_boolean()) {
      return b->get();
    }
    fail("true or false");
  }
  std::string word(text);
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view yes : {"true", "1", "yes", "on"}) {
    if (word == yes) {
      return true;
    }
  }
  for (std::string_view no : {"false", "0", "no", "off"}) {
    if (word == no) {
      return false;
    }
  }
  fail("true or false (or 1/0, yes/no, on/off)");
}

std::string Input::string(std::string_view expected) const {
  if (node == nullptr) {
    return std::string(text);
  }
  if (const auto* s = node->as_string()) {
    return s->get();
  }
  fail(expected);
}

namespace {

// ---- formats of their own

constexpr std::string_view listen_expected = "IPv4:PORT or [IPv6]:PORT, e.g. 0.0.0.0:8080 or [::]:8080";
constexpr Range port_range{1, 65535, "a port"};
constexpr Range workers_range{1, 1024};
constexpr std::string_view server_name_expected = "printable ASCII of at most 256 characters";
constexpr std::string_view account_expected =
    "a user or group name, or a numeric id, of at most 32 letters, digits, '_', '-' or '.' (\"\" for none)";
constexpr std::string_view log_path_expected = "a file path without NUL characters (\"\" for the default stream)";

bool is_ip(std::string_view host, int family) {
  const std::string terminated(host);
  std::array<unsigned char, 16> address{};
  return inet_pton(family, terminated.c_str(), address.data()) == 1;
}

Endpoint read_endpoint(const Input& in) {
  const std::string text = in.string(listen_expected);
  const std::string_view view = text;
  std::string_view host;
  std::string_view port;
  if (view.starts_with('[')) {
    const auto close = view.find("]:");
    if (close == std::string_view::npos) {
      in.fail(listen_expected);
    }
    host = view.substr(1, close - 1);
    port = view.substr(close + 2);
    if (!is_ip(host, AF_INET6)) {
      in.fail(listen_expected);
    }
  } else {
    const auto colon = view.rfind(':');
    if (colon == std::string_view::npos) {
      in.fail(listen_expected);
    }
    host = view.substr(0, colon);
    port = view.substr(colon + 1);
    if (!is_ip(host, AF_INET)) {
      in.fail(listen_expected);
    }
  }
  if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    in.fail(listen_expected);
  }
  std::uint32_t number = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec != std::errc{} || !port_range.contains(number)) {
    in.fail(port_range.expected());
  }
  return Endpoint{std::string(host), static_cast<std::uint16_t>(number)};
}

void check_endpoint(const Endpoint& endpoint, std::string_view origin, std::string_view key) {
  if (!is_ip(endpoint.host, endpoint.is_ipv6() ? AF_INET6 : AF_INET)) {
    fail(origin, key, quote(to_string(endpoint)), listen_expected);
  }
  if (!port_range.contains(endpoint.port)) {
    fail(origin, key, quote(to_string(endpoint)), port_range.expected());
  }
}

std::string workers_expected() { return "\"auto\" or " + workers_range.expected(); }

std::optional<unsigned> read_workers(const Input& in) {
  const auto* name = in.node != nullptr ? in.node->as_string() : nullptr;
  if (in.node == nullptr ? in.text == "auto" : name != nullptr && name->get() == "auto") {
    return std::nullopt;
  }
  return static_cast<unsigned>(in.integer(workers_range, workers_expected()));
}

constexpr std::array levels{LogLevel::debug, LogLevel::info, LogLevel::warning, LogLevel::error};
constexpr std::array access_formats{AccessFormat::combined, AccessFormat::json};

// "one of \"a\", \"b\"": the values a key of fixed names takes.
template <class T, std::size_t N>
std::string choices_expected(const std::array<T, N>& choices) {
  std::string out = "one of ";
  for (const auto choice : choices) {
    out.append(choice == choices.front() ? "" : ", ").append(quote(to_string(choice)));
  }
  return out;
}

template <class T, std::size_t N>
T read_choice(const Input& in, const std::array<T, N>& choices) {
  const std::string name = in.string(choices_expected(choices));
  for (const auto choice : choices) {
    if (name == to_string(choice)) {
      return choice;
    }
  }
  in.fail(choices_expected(choices));
}

bool is_server_name(std::string_view text) {
  return text.size() <= 256 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool is_log_path(std::string_view text) { return text.find('\0') == std::string_view::npos; }

// A POSIX portable user or group name, or a numeric id; "" for none. That
// the account exists is checked where it is used (the daemon at start).
bool is_account(std::string_view text) {
  if (text.size() > 32) {
    return false;
  }
  return text.empty() || std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || c == '.';
         });
}

// ---- field factories: one per kind of value

std::string join(std::string_view section, std::string_view key) {
  return std::string(section).append(".").append(key);
}

template <class S, class T>
Field count(std::string_view section, std::string_view key, S Config::*part, T S::*member, Range range) {
  const std::string dotted = join(section, key);
  return {section, key, dotted,
          [=](Config& c, const Input& in) { (c.*part).*member = static_cast<T>(in.integer(range)); },
          [=](const Config& c, std::string_view origin) {
            const T value = (c.*part).*member;
            if (!range.contains(value)) {
              fail(origin, dotted, std::to_string(value), range.expected());
            }
          },
          [=](const Config& c) { return std::to_string((c.*part).*member); }};
}

template <class S>
Field duration(std::string_view section, std::string_view key, S Config::*part, milliseconds S::*member,
               Range range) {
  range.noun = "a number of milliseconds";
  const std::string dotted = join(section, key);
  return {section, key, dotted,
          [=](Config& c, const Input& in) { (c.*part).*member = milliseconds{in.integer(range)}; },
          [=](const Config& c, std::string_view origin) {
            const auto value = ((c.*part).*member).count();
            if (!range.contains(value)) {
              fail(origin, dotted, std::to_string(value), range.expected());
            }
          },
          [=](const Config& c) { return std::to_string(((c.*part).*member).count()); }};
}

template <class S>
Field flag(std::string_view section, std::string_view key, S Config::*part, bool S::*member) {
  return {section, key, join(section, key), [=](Config& c, const Input& in) { (c.*part).*member = in.boolean(); },
          [](const Config&, std::string_view) {},
          [=](const Config& c) { return std::string((c.*part).*member ? "true" : "false"); }};
}

template <class S>
Field text(std::string_view section, std::string_view key, S Config::*part, std::string S::*member,
           bool (*valid)(std::string_view), std::string_view expected) {
  const std::string dotted = join(section, key);
  return {section, key, dotted,
          [=](Config& c, const Input& in) {
            std::string value = in.string(expected);
            if (!valid(value)) {
              in.fail(expected);
            }
            (c.*part).*member = std::move(value);
          },
          [=](const Config& c, std::string_view origin) {
            const std::string& value = (c.*part).*member;
            if (!valid(value)) {
              fail(origin, dotted, quote(value), expected);
            }
          },
          [=](const Config& c) { return quote((c.*part).*member); }};
}

std::vector<Field> make_fields() {
  constexpr std::int64_t kib = 1024;
  constexpr std::int64_t mib = 1024 * kib;
  constexpr std::int64_t gib = 1024 * mib;
  constexpr std::int64_t day_ms = 24 * 3600 * 1000;
  std::vector<Field> f;

  f.push_back({"server", "listen", "server.listen",
               [](Config& c, const Input& in) { c.server.listen = read_endpoint(in); },
               [](const Config& c, std::string_view origin) {
                 check_endpoint(c.server.listen, origin, "server.listen");
               },
               [](const Config& c) { return quote(to_string(c.server.listen)); }});
  f.push_back({"server", "workers", "server.workers",
               [](Config& c, const Input& in) { c.server.workers = read_workers(in); },
               [](const Config& c, std::string_view origin) {
                 if (c.server.workers && !workers_range.contains(*c.server.workers)) {
                   fail(origin, "server.workers", std::to_string(*c.server.workers), workers_expected());
                 }
               },
               [](const Config& c) {
                 return c.server.workers ? std::to_string(*c.server.workers) : std::string("\"auto\"");
               }});
  f.push_back(count("server", "backlog", &Config::server, &ServerConfig::backlog, {1, 65535}));
  f.push_back(flag("server", "demo", &Config::server, &ServerConfig::demo));
  f.push_back(flag("server", "edge_triggered", &Config::server, &ServerConfig::edge_triggered));
  f.push_back(text("server", "server_name", &Config::server, &ServerConfig::server_name, is_server_name,
                   server_name_expected));
  f.push_back(text("server", "user", &Config::server, &ServerConfig::user, is_account, account_expected));
  f.push_back(text("server", "group", &Config::server, &ServerConfig::group, is_account, account_expected));

  f.push_back(count("limits", "max_header_bytes", &Config::limits, &LimitsConfig::max_header_bytes, {kib, mib}));
  f.push_back(count("limits", "max_body_bytes", &Config::limits, &LimitsConfig::max_body_bytes, {0, gib}));
  f.push_back(count("limits", "max_uri_bytes", &Config::limits, &LimitsConfig::max_uri_bytes, {16, mib}));
  f.push_back(count("limits", "max_connections", &Config::limits, &LimitsConfig::max_connections, {1, 10'000'000}));
  f.push_back(count("limits", "max_pipeline", &Config::limits, &LimitsConfig::max_pipeline, {1, 1024}));
  f.push_back(count("limits", "write_high_water", &Config::limits, &LimitsConfig::write_high_water, {kib, gib}));

  f.push_back(duration("timeouts", "header_ms", &Config::timeouts, &TimeoutsConfig::header_ms, {1, day_ms}));
  f.push_back(duration("timeouts", "idle_ms", &Config::timeouts, &TimeoutsConfig::idle_ms, {1, day_ms}));
  f.push_back(duration("timeouts", "handler_ms", &Config::timeouts, &TimeoutsConfig::handler_ms, {1, day_ms}));
  f.push_back(
      duration("timeouts", "drain_delay_ms", &Config::timeouts, &TimeoutsConfig::drain_delay_ms, {0, day_ms}));
  f.push_back(duration("timeouts", "shutdown_ms", &Config::timeouts, &TimeoutsConfig::shutdown_ms, {0, day_ms}));
  f.push_back(duration("timeouts", "write_ms", &Config::timeouts, &TimeoutsConfig::write_ms, {1, day_ms}));

  f.push_back(count("threads", "blocking", &Config::threads, &ThreadsConfig::blocking, {1, 1024}));
  f.push_back(count("threads", "blocking_queue", &Config::threads, &ThreadsConfig::blocking_queue, {0, mib}));

  f.push_back({"log", "level", "log.level",
               [](Config& c, const Input& in) { c.log.level = read_choice(in, levels); },
               [](const Config&, std::string_view) {},
               [](const Config& c) { return quote(to_string(c.log.level)); }});
  f.push_back(flag("log", "access", &Config::log, &LogConfig::access));
  f.push_back({"log", "access_format", "log.access_format",
               [](Config& c, const Input& in) { c.log.access_format = read_choice(in, access_formats); },
               [](const Config&, std::string_view) {},
               [](const Config& c) { return quote(to_string(c.log.access_format)); }});
  f.push_back(text("log", "access_path", &Config::log, &LogConfig::access_path, is_log_path, log_path_expected));
  f.push_back(text("log", "error_path", &Config::log, &LogConfig::error_path, is_log_path, log_path_expected));

  f.push_back(flag("metrics", "enabled", &Config::metrics, &MetricsConfig::enabled));
  f.push_back(
      text("metrics", "path", &Config::metrics, &MetricsConfig::path, is_literal_url_path, literal_path_expected));

  f.push_back(text("health", "path", &Config::health, &HealthConfig::path, is_literal_url_path, literal_path_expected));
  return f;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Field>& fields() {
  static const std::vector<Field> table = make_fields();
  return table;
}

const std::vector<std::string_view>& scalar_sections() {
  static const std::vector<std::string_view> sections = [] {
    std::vector<std::string_view> out;
    for (const auto& field : fields()) {
      if (out.empty() || out.back() != field.section) {
        out.push_back(field.section);
      }
    }
    return out;
  }();
  return sections;
}

const Field* find_field(std::string_view section, std::string_view key) {
  for (const auto& field : fields()) {
    if (field.section == section && field.key == key) {
      return &field;
    }
  }
  return nullptr;
}

std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates) {
  // A third of the word's length catches a slip or two (max_body_byte,
  // heder_ms) without offering an unrelated key for a short word; a word cut
  // short (max_body for max_body_bytes) counts as one slip.
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const bool cut_short = word.size() >= 3 && std::string_view(candidate).starts_with(word);
    const std::size_t d = cut_short ? 1 : edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::optional<std::string> suggest_key(std::string_view section, std::string_view key) {
  for (const auto& field : fields()) {
    if (field.key == key && field.section != section) {
      return field.dotted;
    }
  }
  std::vector<std::string> keys;
  for (const auto& field : fields()) {
    if (field.section == section) {
      keys.emplace_back(field.key);
    }
  }
  if (auto best = nearest(key, keys)) {
    return join(section, *best);
  }
  return std::nullopt;
}

}  // namespace brisk::config::detail

namespace brisk::config {

std::string child_key(std::string_view parent, std::string_view key) {
  return std::string(parent) + "." + detail::key_text(key);
}

}  // namespace brisk::config
