#include <brisk/server/date_cache.hpp>

#include <time.h>

namespace brisk::server {
namespace {

void two_digits(char* p, int v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

struct Cached {
  std::time_t second = -1;
  std::array<char, DateCache::size> text{};
};

thread_local Cached cached;

}  // namespace

std::array<char, DateCache::size> DateCache::format(std::time_t t) noexcept {
  static constexpr std::string_view days = "SunMonTueWedThuFriSat";
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, size> out{};
  char* p = out.data();
  days.copy(p, 3, static_cast<std::size_t>(tm.tm_wday) * 3);
  p[3] = ',';
  p[4] = ' ';
  two_digits(p + 5, tm.tm_mday);
  p[7] = ' ';
  months.copy(p + 8, 3, static_cast<std::size_t>(tm.tm_mon) * 3);
  p[11] = ' ';
  int year = tm.tm_year + 1900;
  two_digits(p + 12, year / 100);
  two_digits(p + 14, year % 100);
  p[16] = ' ';
  two_digits(p + 17, tm.tm_hour);
  p[19] = ':';
  two_digits(p + 20, tm.tm_min);
  p[22] = ':';
  two_digits(p + 23, tm.tm_sec);
  std::string_view(" GMT").copy(p + 25, 4);
  return out;
}

std::string_view DateCache::now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  if (ts.tv_sec != cached.second) {
    cached.second = ts.tv_sec;
    cached.text = format(ts.tv_sec);
  }
  return {cached.text.data(), size};
}

}  // namespace brisk::server
