#pragma once
// The table of scalar keys ([server], [limits], [timeouts], [threads], [log],
// [metrics], [health]): for each, how to read it from a TOML node or from text,
// how to check a value already in a Config, and how to write it back as TOML.
// The loader, validate() and describe() all walk this one table, so a key is
// declared once and reads, checks and prints the same way everywhere.

#include <brisk/config/config.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk::config::detail {

// Throws the ConfigError "<origin>: <key> = <shown>: expected <expected>"
// (without "<origin>: " when origin is empty).
[[noreturn]] void fail(std::string_view origin, std::string_view key, std::string_view shown,
                       std::string_view expected);
// Throws "<origin>: unknown key <key>", plus " (did you mean <suggestion>?)".
[[noreturn]] void fail_unknown(std::string_view origin, std::string_view key,
                               const std::optional<std::string>& suggestion);

// An inclusive integer range and how to name it in a message.
struct Range {
  std::int64_t min;
  std::int64_t max;
  std::string_view noun = "an integer";

  template <class T>
  bool contains(T value) const noexcept {
    return std::cmp_greater_equal(value, min) && std::cmp_less_equal(value, max);
  }
  std::string expected() const;
};

// One value on its way into a Config: a typed node from a file, or text from
// the environment or a flag, with the dotted key and where it came from.
// Borrows everything; lives for one assignment.
struct Input {
  std::string_view key;
  std::string_view origin;
  const toml::node* node = nullptr;
  std::string_view text;

  // The value as its author wrote it: TOML for a node, quoted text otherwise.
  std::string shown() const;
  [[noreturn]] void fail(std::string_view expected) const;

  std::int64_t integer(const Range& range) const;
  // The same, with its own wording of what was expected.
  std::int64_t integer(const Range& range, const std::string& expected) const;
  bool boolean() const;
  std::string string(std::string_view expected) const;
};

struct Field {
  std::string_view section;
  std::string_view key;
  std::string dotted;
  std::function<void(Config&, const Input&)> assign;
  // Throws ConfigError naming `origin` when the value in the Config is invalid.
  std::function<void(const Config&, std::string_view origin)> check;
  // The value as a TOML literal.
  std::function<std::string(const Config&)> render;
};

// In the order of config/brisk.toml.
const std::vector<Field>& fields();
const std::vector<std::string_view>& scalar_sections();
const Field* find_field(std::string_view section, std::string_view key);
// The dotted key a misspelt `section.key` most likely meant: the same key in
// another section, else the nearest key of the section.
std::optional<std::string> suggest_key(std::string_view section, std::string_view key);
// The candidate within a small edit distance of `word`.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates);

// A TOML basic string literal (double quotes, escapes).
std::string quote(std::string_view text);
// `text` with its control characters escaped as quote() escapes them.
std::string visible(std::string_view text);
// Whether TOML can write `key` bare: letters, digits, '_' and '-' only.
bool is_bare_key(std::string_view key);
// A key as TOML writes it: bare when it can be, else quoted, so that a
// message naming it stays on one line (child_key() in error.hpp uses it).
std::string key_text(std::string_view key);

// Formats values share with the lists of routes and plugins.
inline constexpr std::string_view url_path_expected = "a URL path starting with /";
bool is_url_path(std::string_view text);
// health.path and metrics.path are served as written: a '{' would make the
// router take them for a pattern ("/{x}" would answer every path).
inline constexpr std::string_view literal_path_expected = "a URL path starting with /, without { or }";
bool is_literal_url_path(std::string_view text);

}  // namespace brisk::config::detail
