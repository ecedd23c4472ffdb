// url.hpp: split_target, strict percent-decoding, query parameters.

#include <brisk/server/http_error.hpp>
#include <brisk/server/url.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

using brisk::server::Decode;
using brisk::server::HttpError;
using brisk::server::parse_query;
using brisk::server::percent_decode;
using brisk::server::query_param;
using brisk::server::split_target;
using namespace std::string_literals;

namespace {

std::pair<std::string, std::string> split(std::string_view target) {
  auto parts = split_target(target);
  return {std::string(parts.path), std::string(parts.query)};
}

using Pair = std::pair<std::string, std::string>;

// The status of the HttpError `f` throws, 0 when it throws none.
template <typename F>
int error_status(F&& f) {
  try {
    f();
  } catch (const HttpError& e) {
    return e.status();
  }
  return 0;
}

}  // namespace

TEST_CASE("url: split_target, origin-form", "[url]") {
  CHECK(split("/") == Pair{"/", ""});
  CHECK(split("/a/b") == Pair{"/a/b", ""});
  CHECK(split("/a/b?x=1&y=2") == Pair{"/a/b", "x=1&y=2"});
  CHECK(split("/a?") == Pair{"/a", ""});
  CHECK(split("/a?b?c") == Pair{"/a", "b?c"});
  CHECK(split("/a%3Fb?q") == Pair{"/a%3Fb", "q"});
}

TEST_CASE("url: split_target, the query is a view into the target", "[url]") {
  std::string target = "/p?k=v";
  auto parts = split_target(target);
  CHECK(parts.path.data() == target.data());
  CHECK(parts.query.data() == target.data() + 3);
}

TEST_CASE("url: split_target, absolute-form", "[url]") {
  CHECK(split("http://example.com:8080/a/b?x=1") == Pair{"/a/b", "x=1"});
  CHECK(split("http://example.com") == Pair{"/", ""});
  CHECK(split("http://example.com/") == Pair{"/", ""});
  CHECK(split("http://example.com?x=1") == Pair{"/", "x=1"});
  CHECK(split("https://u@h:1/p#frag") == Pair{"/p", ""});
  CHECK(split("http://h#frag") == Pair{"/", ""});
}

TEST_CASE("url: split_target, asterisk-form and others", "[url]") {
  CHECK(split("*") == Pair{"*", ""});
  CHECK(split("") == Pair{"", ""});
  CHECK(split("example.com:443") == Pair{"example.com:443", ""});
}

TEST_CASE("url: split_target drops a fragment", "[url]") {
  CHECK(split("/a#frag") == Pair{"/a", ""});
  CHECK(split("/a?x=1#frag") == Pair{"/a", "x=1"});
  CHECK(split("/a#frag?x=1") == Pair{"/a", ""});
}

TEST_CASE("url: percent_decode", "[url]") {
  CHECK(percent_decode("", Decode::path).empty());
  CHECK(percent_decode("/plain", Decode::path) == "/plain");
  CHECK(percent_decode("/a%20b", Decode::path) == "/a b");
  CHECK(percent_decode("%2f%2F", Decode::path) == "//");
  CHECK(percent_decode("%C3%a9", Decode::path) == "\xc3\xa9");
  CHECK(percent_decode("%25", Decode::path) == "%");
  CHECK(percent_decode("%2525", Decode::path) == "%25");  // decoded once
  CHECK(percent_decode("%ff", Decode::query) == "\xff");
  std::string out = "x";
  brisk::server::percent_decode_append(out, "%41b", Decode::path);
  CHECK(out == "xAb");
}

TEST_CASE("url: '+' is a space in a query, a plus in a path", "[url]") {
  CHECK(percent_decode("a+b", Decode::path) == "a+b");
  CHECK(percent_decode("a+b", Decode::query) == "a b");
  CHECK(percent_decode("a%2Bb", Decode::query) == "a+b");
  CHECK(percent_decode("++", Decode::query) == "  ");
}

TEST_CASE("url: percent_decode is strict: 400 for a bad escape or %00", "[url]") {
  for (std::string in : {"%", "%zz", "%0", "a%0", "%0g", "%g0", "%%", "a%", "%-1", "% 1"}) {
    INFO(in);
    CHECK(error_status([&] { (void)percent_decode(in, Decode::path); }) == 400);
    CHECK(error_status([&] { (void)percent_decode(in, Decode::query); }) == 400);
  }
  CHECK(error_status([] { (void)percent_decode("/a%00b", Decode::path); }) == 400);
  CHECK(error_status([] { (void)percent_decode("a=%00", Decode::query); }) == 400);
  CHECK(error_status([] { (void)percent_decode("%01", Decode::path); }) == 0);
  try {
    (void)percent_decode("/x%zz", Decode::path);
    FAIL("no throw");
  } catch (const HttpError& e) {
    CHECK(std::string(e.what()) == "bad percent-escape in the path");
  }
  try {
    (void)percent_decode("%00", Decode::query);
    FAIL("no throw");
  } catch (const HttpError& e) {
    CHECK(std::string(e.what()) == "%00 in the query string");
  }
}

TEST_CASE("url: query_param", "[url]") {
  CHECK(query_param("a=1&b=2", "a") == "1");
  CHECK(query_param("a=1&b=2", "b") == "2");
  CHECK_FALSE(query_param("a=1&b=2", "c").has_value());
  CHECK_FALSE(query_param("", "a").has_value());
  CHECK(query_param("a=1&b", "b") == "");
  CHECK(query_param("a=1&b=", "b") == "");
  CHECK(query_param("a=1&a=2", "a") == "1");  // the first
  CHECK(query_param("&&a=1&&", "a") == "1");
  CHECK(query_param("q=hello+world%21", "q") == "hello world!");
  CHECK(query_param("first+name=J", "first name") == "J");
  CHECK(query_param("x%5B%5D=1", "x[]") == "1");
  CHECK(query_param("a=b=c", "a") == "b=c");
  CHECK(query_param("A=1", "a") == std::nullopt);  // case-sensitive
  // A bad escape in the value returned, or in a name before the match, is 400;
  // what comes after the match is not looked at.
  CHECK(error_status([] { (void)query_param("a=%zz", "a"); }) == 400);
  CHECK(error_status([] { (void)query_param("b%zz=1&a=2", "a"); }) == 400);
  CHECK(error_status([] { (void)query_param("a=1&b=%zz", "a"); }) == 0);
  CHECK(error_status([] { (void)query_param("a=%00", "a"); }) == 400);
}

TEST_CASE("url: parse_query", "[url]") {
  using Params = std::vector<std::pair<std::string, std::string>>;
  CHECK(parse_query("").empty());
  CHECK(parse_query("a=1&b=2") == Params{{"a", "1"}, {"b", "2"}});
  CHECK(parse_query("a=1&&b=2&") == Params{{"a", "1"}, {"b", "2"}});
  CHECK(parse_query("a&b=&=c") == Params{{"a", ""}, {"b", ""}, {"", "c"}});
  CHECK(parse_query("a=1&a=2") == Params{{"a", "1"}, {"a", "2"}});
  CHECK(parse_query("k+1=v%20w+x") == Params{{"k 1", "v w x"}});
  CHECK(error_status([] { (void)parse_query("a=1&b=%4"); }) == 400);
  CHECK(error_status([] { (void)parse_query("%00=1"); }) == 400);
}
