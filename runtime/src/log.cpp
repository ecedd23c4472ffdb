#include <brisk/runtime/log.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace brisk {
namespace {

std::mutex sink_mutex;
LogSink& sink() {
  static LogSink s;
  return s;
}

void write_stderr(LogLevel level, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line;
  line.reserve(message.size() + 48);
  line.append(stamp).append(" ").append(to_string(level)).append(" ").append(message).append("\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void set_log_sink(LogSink s) {
  std::lock_guard lock(sink_mutex);
  sink() = std::move(s);
}

void log(LogLevel level, std::string_view message) {
  std::lock_guard lock(sink_mutex);
  if (sink()) {
    sink()(level, message);
  } else {
    write_stderr(level, message);
  }
}

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "?";
}

}  // namespace brisk

namespace brisk {

std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

}  // namespace brisk
