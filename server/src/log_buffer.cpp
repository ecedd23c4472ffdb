#include <brisk/runtime/log.hpp>
#include <brisk/server/log_buffer.hpp>

namespace brisk::server {

LogBuffer::LogBuffer(LogFile& file, std::size_t capacity) : file_(file), capacity_(capacity) {
  // A line past the capacity is written out with the ones before it: room
  // for those and a long line, once.
  pending_.reserve(capacity_ + 4096);
}

LogBuffer::~LogBuffer() { flush(); }

void LogBuffer::start() {
  flush();
  handle_ = file_.handle();
}

void LogBuffer::flush() noexcept {
  if (pending_.empty()) {
    return;
  }
  if (const auto error = file_.write(*handle_, pending_)) {
    try {
      log(LogLevel::error, "cannot write to the log " + file_.name() + ": " + error.message() +
                               "; its lines are dropped (brisk_log_lines_lost_total) until a write succeeds");
    } catch (...) {
      // Out of memory: the count in /metrics still says it.
    }
  }
  pending_.clear();
  handle_.reset();  // an idle buffer does not keep a rotated file open
}

}  // namespace brisk::server
