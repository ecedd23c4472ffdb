#include <brisk/server/repeat_filter.hpp>

namespace brisk::server {
namespace {

std::string kind_of(LogLevel level, std::string_view message) {
  std::string key;
  key.reserve(message.size() + 1);
  key.push_back(static_cast<char>('0' + static_cast<int>(level)));
  for (const char c : message) {
    if (c < '0' || c > '9') {
      key.push_back(c);
    }
  }
  return key;
}

}  // namespace

RepeatFilter::RepeatFilter(std::size_t burst, std::size_t max_kinds) : burst_(burst), max_kinds_(max_kinds) {}

std::vector<RepeatFilter::Line> RepeatFilter::reports(std::int64_t second) {
  std::vector<Line> out;
  std::lock_guard lock(mutex_);
  if (second == swept_) {
    return out;  // every kind is of this second already
  }
  swept_ = second;
  for (auto it = kinds_.begin(); it != kinds_.end();) {
    if (it->second.second == second) {
      ++it;
      continue;
    }
    if (it->second.held > 0) {
      const auto level = static_cast<LogLevel>(it->first.front() - '0');
      out.push_back({level, it->second.last_held + " (the last of " + std::to_string(it->second.held) +
                                " lines like it held back in that second)"});
    }
    it = kinds_.erase(it);
  }
  return out;
}

bool RepeatFilter::admit(LogLevel level, std::string_view message, std::int64_t second) {
  std::string key = kind_of(level, message);
  std::lock_guard lock(mutex_);
  auto it = kinds_.find(key);
  if (it == kinds_.end()) {
    if (kinds_.size() < max_kinds_) {
      kinds_.emplace(std::move(key), Kind{.second = second, .written = 1, .held = 0, .last_held = {}});
    }
    return true;
  }
  Kind& kind = it->second;
  if (kind.second != second) {
    // reports() was not called first: the count starts over.
    kind = Kind{.second = second, .written = 0, .held = 0, .last_held = {}};
  }
  if (kind.written < burst_) {
    ++kind.written;
    return true;
  }
  ++kind.held;
  kind.last_held.assign(message);
  return false;
}

}  // namespace brisk::server
