// Headers: case-insensitive lookups, order, validation of what add() and
// set() take.

#include <brisk/server/headers.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using brisk::server::Headers;
using namespace std::string_literals;

namespace {

std::vector<std::pair<std::string, std::string>> fields(const Headers& h) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto f : h) {
    out.emplace_back(f.name, f.value);
  }
  return out;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("headers: iequals, is_tchar, is_token", "[headers]") {
  using brisk::server::iequals;
  using brisk::server::is_token;
  CHECK(iequals("Content-Length", "content-length"));
  CHECK(iequals("", ""));
  CHECK_FALSE(iequals("abc", "abd"));
  CHECK_FALSE(iequals("abc", "abcd"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the case bit.
  CHECK_FALSE(iequals("@", "`"));
  CHECK_FALSE(iequals("[", "{"));
  CHECK(is_token("X-Custom_Header.1!#$%&'*+^`|~"));
  CHECK_FALSE(is_token(""));
  CHECK_FALSE(is_token("a b"));
  CHECK_FALSE(is_token("a:b"));
  CHECK_FALSE(is_token("a\"b"));
  CHECK_FALSE(is_token("caf\xc3\xa9"));
  CHECK_FALSE(brisk::server::is_tchar(0));
  CHECK_FALSE(brisk::server::is_tchar(0x7f));
  CHECK(brisk::server::is_tchar('~'));
}

TEST_CASE("headers: get and find ignore case, and order is kept", "[headers]") {
  Headers h;
  CHECK(h.empty());
  h.add("Content-Type", "text/plain");
  h.add("X-Multi", "1");
  h.add("Accept", "*/*");
  h.add("x-multi", "2");
  CHECK(h.size() == 4);
  CHECK_FALSE(h.empty());
  CHECK(h.get("content-type") == "text/plain");
  CHECK(h.get("CONTENT-TYPE") == "text/plain");
  CHECK(h.get("X-MULTI") == "1");
  CHECK_FALSE(h.get("Content-Typ").has_value());
  CHECK_FALSE(h.get("Content-Types").has_value());
  CHECK(h.contains("accept"));
  CHECK_FALSE(h.contains("accept-encoding"));
  CHECK(h.find("x-multi") == 1);
  CHECK(h.find("x-multi", 2) == 3);
  CHECK(h.find("x-multi", 4) == Headers::npos);
  CHECK(h.find("nope") == Headers::npos);
  // Names are kept as written.
  CHECK(fields(h) == Fields{{"Content-Type", "text/plain"}, {"X-Multi", "1"}, {"Accept", "*/*"}, {"x-multi", "2"}});
  CHECK(h[3].name == "x-multi");
}

TEST_CASE("headers: an empty value is a value", "[headers]") {
  Headers h;
  h.add("X-Empty", "");
  REQUIRE(h.get("x-empty").has_value());
  CHECK(h.get("x-empty")->empty());
}

TEST_CASE("headers: set replaces every field of a name, where the first was", "[headers]") {
  Headers h;
  h.add("A", "1");
  h.add("Set-Cookie", "a=1");
  h.add("B", "2");
  h.add("set-cookie", "b=2");
  h.add("C", "3");
  h.set("SET-COOKIE", "c=3");
  CHECK(fields(h) == Fields{{"A", "1"}, {"SET-COOKIE", "c=3"}, {"B", "2"}, {"C", "3"}});
  h.set("D", "4");  // new: appended
  CHECK(fields(h) == Fields{{"A", "1"}, {"SET-COOKIE", "c=3"}, {"B", "2"}, {"C", "3"}, {"D", "4"}});
  h.set("a", "one");
  CHECK(fields(h) == Fields{{"a", "one"}, {"SET-COOKIE", "c=3"}, {"B", "2"}, {"C", "3"}, {"D", "4"}});
}

TEST_CASE("headers: a refused set leaves the headers as they were", "[headers]") {
  Headers h;
  h.add("A", "1");
  h.add("B", "2");
  h.add("a", "3");
  CHECK_THROWS_AS(h.set("A", "bad\r\nX: y"), std::invalid_argument);
  CHECK(fields(h) == Fields{{"A", "1"}, {"B", "2"}, {"a", "3"}});
  CHECK_THROWS_AS(h.set("Bad Name", "v"), std::invalid_argument);
  CHECK(fields(h) == Fields{{"A", "1"}, {"B", "2"}, {"a", "3"}});
}

TEST_CASE("headers: remove takes every field of a name", "[headers]") {
  Headers h;
  h.add("A", "1");
  h.add("Via", "x");
  h.add("B", "2");
  h.add("VIA", "y");
  CHECK(h.remove("via") == 2);
  CHECK(fields(h) == Fields{{"A", "1"}, {"B", "2"}});
  CHECK(h.remove("via") == 0);
  CHECK(h.remove("a") == 1);
  CHECK(fields(h) == Fields{{"B", "2"}});
  h.add("C", "3");
  CHECK(fields(h) == Fields{{"B", "2"}, {"C", "3"}});
}

TEST_CASE("headers: clear empties, and the headers are usable again", "[headers]") {
  Headers h;
  h.add("A", "1");
  h.clear();
  CHECK(h.empty());
  CHECK(h.begin() == h.end());
  CHECK_FALSE(h.get("A").has_value());
  h.add("B", "2");
  CHECK(fields(h) == Fields{{"B", "2"}});
}

TEST_CASE("headers: a copy is independent", "[headers]") {
  Headers h;
  h.add("A", "1");
  Headers copy = h;
  h.set("A", "2");
  h.add("B", "3");
  CHECK(fields(copy) == Fields{{"A", "1"}});
  CHECK(fields(h) == Fields{{"A", "2"}, {"B", "3"}});
}

TEST_CASE("headers: add refuses CR, LF, NUL and other controls in a value", "[headers]") {
  Headers h;
  for (std::string v : {"a\rb"s, "a\nb"s, "a\r\nX-Injected: 1"s, "a\0b"s, "\x01"s, "a\x1f"s, "a\x7f"s, "\n"s}) {
    INFO("value " << v.size() << " bytes");
    CHECK_THROWS_AS(h.add("X", v), std::invalid_argument);
  }
  CHECK(h.empty());
  // HTAB, SP, visible ASCII and obs-text are allowed.
  h.add("X", "a\tb c~\xe9");
  CHECK(h.get("x") == "a\tb c~\xe9");
}

TEST_CASE("headers: add refuses a name that is not a token", "[headers]") {
  Headers h;
  for (std::string n : {""s, "A B"s, "A:"s, "A\r\n"s, "A\0"s, "(A)"s, "A@B"s, "\xe9"s, "A/B"s, " A"s}) {
    INFO("name '" << n << "'");
    CHECK_THROWS_AS(h.add(n, "v"), std::invalid_argument);
  }
  CHECK(h.empty());
}
