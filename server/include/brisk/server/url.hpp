#pragma once
// The request-target: split into path and query, percent-decoding, and
// query-string parameters. Pure functions over string views.
//
// Decoding is strict: '%' must be followed by two hex digits, and %00 is
// refused (a NUL cut short by a C API is a classic way past a path check).
// Both throw HttpError(400), so a handler that reads a bad parameter answers
// 400 without code of its own. A decoded "%2F" is a '/' like any other: the
// router sees the decoded path. "." and ".." segments are left as they are;
// whoever maps a path to files must refuse them.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brisk::server {

struct TargetParts {
  std::string_view path;   // still percent-encoded
  std::string_view query;  // after '?', without it; empty when there is none
};

// origin-form "/a/b?x=1" -> ("/a/b", "x=1"); absolute-form "http://h:8/a?x"
// -> ("/a", "x"), and "/" when it has no path; asterisk-form "*" -> ("*", "").
// A fragment ('#'...) is dropped. Anything else is returned whole as the path
// (the parser only lets these forms through).
TargetParts split_target(std::string_view target) noexcept;

// Appends the decoding of `in` to `out`. In a query, '+' is a space
// (application/x-www-form-urlencoded); in a path it is a '+'.
enum class Decode { path, query };
void percent_decode_append(std::string& out, std::string_view in, Decode mode);
std::string percent_decode(std::string_view in, Decode mode);

// The decoded value of the first parameter named `name` (compared after
// decoding) in a raw query string: "a=1&b" has a="1" and b="". nullopt when
// absent. A bad escape in a name before the match, or in the value returned,
// throws; the rest of the query is not looked at.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// Every parameter, decoded, in order; empty pairs ("a=1&&b=2") are skipped.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);

}  // namespace brisk::server
