// RepeatFilter: alike lines past the burst are held back, then reported once
// with their count.

#include <brisk/server/repeat_filter.hpp>

#include <catch2/catch.hpp>

#include <string>

using brisk::LogLevel;
using brisk::server::RepeatFilter;

TEST_CASE("lines of one kind past the burst are held and then reported with their count", "[repeat_filter]") {
  RepeatFilter filter(3);
  int written = 0;
  for (int port = 1000; port < 1010; ++port) {
    const std::string line = "203.0.113.7:" + std::to_string(port) + ": 400 Bad Request; closing";
    CHECK(filter.reports(7).empty());
    written += filter.admit(LogLevel::info, line, 7) ? 1 : 0;
  }
  CHECK(written == 3);
  const auto reports = filter.reports(8);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].level == LogLevel::info);
  CHECK(reports[0].text ==
        "203.0.113.7:1009: 400 Bad Request; closing (the last of 7 lines like it held back in that second)");
  CHECK(filter.reports(9).empty());  // reported once
  CHECK(filter.admit(LogLevel::info, "203.0.113.7:1: 400 Bad Request; closing", 9));  // a new second
}

TEST_CASE("different kinds and levels are counted apart", "[repeat_filter]") {
  RepeatFilter filter(1);
  CHECK(filter.admit(LogLevel::info, "a 1", 1));
  CHECK(filter.admit(LogLevel::error, "a 1", 1));
  CHECK(filter.admit(LogLevel::info, "b 1", 1));
  CHECK_FALSE(filter.admit(LogLevel::info, "a 2", 1));
  CHECK(filter.reports(1).empty());  // the second is not over
  CHECK(filter.reports(2).size() == 1);
}

TEST_CASE("past max_kinds lines pass unfiltered", "[repeat_filter]") {
  RepeatFilter filter(1, 2);
  CHECK(filter.admit(LogLevel::info, "a", 1));
  CHECK(filter.admit(LogLevel::info, "b", 1));
  CHECK(filter.admit(LogLevel::info, "c", 1));
  CHECK(filter.admit(LogLevel::info, "c", 1));
  CHECK_FALSE(filter.admit(LogLevel::info, "a", 1));
}
