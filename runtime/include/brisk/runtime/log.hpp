#pragma once
// The runtime's log: where it reports what must never be lost silently (a
// task's exception nobody awaited, a slow callback in debug mode). The daemon
// replaces the sink with its own error log; the default writes to stderr.

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace brisk {

enum class LogLevel { debug, info, warning, error };

using LogSink = std::function<void(LogLevel, std::string_view)>;

// Installs the process-wide sink (call before starting loops); nullptr restores
// the default stderr writer.
void set_log_sink(LogSink sink);
void log(LogLevel level, std::string_view message);

std::string_view to_string(LogLevel level) noexcept;

// The what() of the exception `e` holds, for a log line.
std::string describe(const std::exception_ptr& e);

}  // namespace brisk
