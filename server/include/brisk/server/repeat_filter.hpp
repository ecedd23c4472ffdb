#pragma once
// RepeatFilter: keeps a flood of alike error-log lines (a fuzzer's thousand
// malformed requests, a full disk) from burying the rest of the log.
//
// Two lines are alike when they have the same level and the same text once
// every digit is left out, so "203.0.113.7:51234: 400 ..." and
// "203.0.113.9:40112: 400 ..." count as one kind. Of each kind, `burst` lines
// a second are written; the rest are held back and counted, and once that
// second is over one line reports them: the last one held back, with
// " (the last of K lines like it held back in that second)".
//
// Thread-safe (one mutex): it sits on the error path, never on a request's.
// At most `max_kinds` kinds are tracked in a second; lines of kinds beyond
// that pass unfiltered.

#include <brisk/runtime/log.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brisk::server {

class RepeatFilter {
 public:
  struct Line {
    LogLevel level;
    std::string text;
  };

  explicit RepeatFilter(std::size_t burst = 10, std::size_t max_kinds = 1024);

  // The reports of the lines held back in seconds before `second` (any
  // monotonic count of seconds); each is returned once.
  std::vector<Line> reports(std::int64_t second);
  // Whether to write `message` now, in `second`. Call reports() first.
  bool admit(LogLevel level, std::string_view message, std::int64_t second);

 private:
  struct Kind {
    std::int64_t second;
    std::size_t written = 0;
    std::size_t held = 0;
    std::string last_held;
  };

  std::size_t burst_;
  std::size_t max_kinds_;
  std::mutex mutex_;
  std::unordered_map<std::string, Kind> kinds_;
  std::int64_t swept_ = 0;
};

}  // namespace brisk::server
