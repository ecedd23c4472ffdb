#pragma once
// DateCache: the value of the Date response header (RFC 9110 IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT").
//
// Each thread keeps its own copy and formats it again only when the second
// changes, so a response pays one coarse clock read (vDSO, no syscall) and no
// formatting. Nothing is shared between threads.

#include <array>
#include <ctime>
#include <string_view>

namespace brisk::server {

class DateCache {
 public:
  static constexpr std::size_t size = 29;

  // The current second's date. The view points into this thread's cache: it
  // stays valid for the life of the thread, and its text changes when a later
  // call sees a new second, so copy it (into the response) before yielding.
  static std::string_view now() noexcept;

  // `t` (seconds since the epoch, UTC) as an IMF-fixdate.
  static std::array<char, size> format(std::time_t t) noexcept;
};

}  // namespace brisk::server
