// PluginContext's settings helpers: typed values with a fallback, and the
// errors a plugin gives for a bad [plugin.<name>] section.

#include <brisk/config/loader.hpp>
#include <brisk/server/plugin.hpp>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

using brisk::server::PluginContext;
using brisk::server::Router;

namespace {

// The message of the std::invalid_argument `f` throws, or "" if none.
template <typename F>
std::string refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

namespace {

// A [plugin.hello] section as the daemon hands it over: loaded from TOML by
// the config library (integers are signed, dates are strings).
nlohmann::json section(const std::string& toml) {
  brisk::config::Loader loader;
  loader.load_toml("[[plugins.load]]\npath = \"/x.so\"\nname = \"hello\"\n[plugin.hello]\n" + toml, "brisk.toml");
  return loader.finish().plugins.load.at(0).settings;
}

}  // namespace

TEST_CASE("setting<T> gives the section's value, or the fallback when it has none", "[plugin]") {
  Router router;
  const auto settings = section(R"(
greeting = "Hi"
loud = true
repeat = 3
ratio = 0.5
whole = 2
big = 9223372036854775807
small = -9223372036854775808
day = 2026-12-01
limit = inf
)");
  PluginContext ctx("hello", settings, router);
  CHECK(ctx.setting<std::string>("greeting", "Hello") == "Hi");
  CHECK(ctx.setting<std::string>("farewell", "Bye") == "Bye");
  CHECK(ctx.setting<bool>("loud", false));
  CHECK(ctx.setting<int>("repeat", 1) == 3);
  CHECK(ctx.setting<std::uint8_t>("repeat", 1) == 3);
  CHECK(ctx.setting<double>("ratio", 1.0) == 0.5);
  CHECK(ctx.setting<float>("ratio", 1.0f) == 0.5f);
  CHECK(ctx.setting<double>("whole", 1.0) == 2.0);  // an integer is a number
  CHECK(ctx.setting<std::int64_t>("big", 0) == INT64_MAX);
  CHECK(ctx.setting<std::uint64_t>("big", 0) == INT64_MAX);
  CHECK(ctx.setting<std::int64_t>("small", 0) == INT64_MIN);
  CHECK(ctx.setting<std::string>("day", "") == "2026-12-01");
  CHECK(ctx.setting<float>("limit", 0) == std::numeric_limits<float>::infinity());
  CHECK(ctx.setting<int>("absent", 7) == 7);
}

TEST_CASE("setting<T> refuses another type or range, naming the key, the value and what was expected",
          "[plugin]") {
  Router router;
  const auto settings = section(R"(
greeting = 5
loud = "yes"
repeat = 2.5
small = 300
minus = -1
ratio = "half"
huge = 1e300
"two words" = [1, "a\nb"]
)");
  PluginContext ctx("hello", settings, router);
  CHECK(refusal([&] { ctx.setting<std::string>("greeting", ""); }) ==
        "plugin.hello.greeting = 5: expected a string");
  CHECK(refusal([&] { ctx.setting<bool>("loud", false); }) == R"(plugin.hello.loud = "yes": expected true or false)");
  CHECK(refusal([&] { ctx.setting<int>("repeat", 0); }) ==
        "plugin.hello.repeat = 2.5: expected an integer from -2147483648 to 2147483647");
  CHECK(refusal([&] { ctx.setting<std::uint8_t>("small", 0); }) ==
        "plugin.hello.small = 300: expected an integer from 0 to 255");
  CHECK(refusal([&] { ctx.setting<unsigned>("minus", 0); }) ==
        "plugin.hello.minus = -1: expected an integer from 0 to 4294967295");
  CHECK(refusal([&] { ctx.setting<std::uint64_t>("minus", 0); }) ==
        "plugin.hello.minus = -1: expected an integer from 0 to 18446744073709551615");
  CHECK(refusal([&] { ctx.setting<double>("ratio", 0); }) == R"(plugin.hello.ratio = "half": expected a number)");
  CHECK(refusal([&] { ctx.setting<float>("huge", 0); }) ==
        "plugin.hello.huge = 1e+300: expected a number within float's range");
  CHECK(ctx.setting<double>("huge", 0) == 1e300);
  // A key that is not bare is quoted; the message stays on one line.
  CHECK(refusal([&] { ctx.setting<std::string>("two words", ""); }) ==
        R"(plugin.hello."two words" = [1,"a\nb"]: expected a string)");
}

TEST_CASE("allow_only refuses a key it was not told of, listing those it knows", "[plugin]") {
  Router router;
  const auto settings = section("greeting = \"Hi\"\ncolour = \"red\"\n[plugin.hello.nested]\nshade = 1\n");
  PluginContext ctx("hello", settings, router);
  CHECK(refusal([&] { ctx.allow_only({"greeting", "colour", "nested"}); }).empty());
  CHECK(refusal([&] { ctx.allow_only({"greeting"}); }) == "unknown key plugin.hello.colour (known: greeting)");
  CHECK(refusal([&] { ctx.allow_only({}); }) == "unknown key plugin.hello.colour (known: none)");
}

TEST_CASE("refuse_setting refuses what a plugin checks itself, as setting<T> refuses a type", "[plugin]") {
  Router router;
  const auto settings = section("[plugin.hello.nested]\nshade = 1\n");
  PluginContext ctx("hello", settings, router);
  CHECK(refusal([&] { ctx.refuse_setting("nested", ctx.settings()["nested"], "an array of shades"); }) ==
        R"(plugin.hello.nested = {"shade":1}: expected an array of shades)");
}
