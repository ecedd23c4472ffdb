#pragma once
// LogBuffer: one thread's lines for a LogFile, gathered in memory and written
// out whole, many lines per write(2). Each worker keeps one for the access
// log, so logging a request is an append to the worker's own string: no lock,
// no syscall, nothing shared with the other workers.
//
// Lifetime and threads: a LogBuffer belongs to the thread that made it; only
// that thread calls add() and flush() (the worker flushes it once a second, so
// an idle worker's lines wait at most that long, and when it stops). The
// LogFile must outlive every LogBuffer of it. Lines go to the file's Handle of
// when the first of them was added: on a reopen (SIGHUP) the lines gathered
// before it are written to the old file, and the next line starts the new one.

#include <brisk/server/log_file.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace brisk::server {

class LogBuffer {
 public:
  // Written out as soon as it holds this many bytes.
  static constexpr std::size_t default_capacity = 32 * 1024;

  explicit LogBuffer(LogFile& file, std::size_t capacity = default_capacity);
  ~LogBuffer();
  LogBuffer(const LogBuffer&) = delete;
  LogBuffer& operator=(const LogBuffer&) = delete;

  // Adds one line: `format(out)` appends its text, without the newline, to
  // the buffer's string (so a line is formatted in place, not copied).
  template <class Format>
  void add(Format&& format) {
    if (pending_.empty() || handle_->generation != file_.generation()) {
      start();
    }
    format(pending_);
    pending_.push_back('\n');
    if (pending_.size() >= capacity_) {
      flush();
    }
  }

  // Writes out what is gathered. A failure is counted by the LogFile and the
  // first of a run goes to the error log; the lines are dropped either way.
  void flush() noexcept;

  std::size_t pending_bytes() const noexcept { return pending_.size(); }

 private:
  // Writes out lines meant for an older handle, then takes the current one.
  void start();

  LogFile& file_;
  std::size_t capacity_;
  std::shared_ptr<const LogFile::Handle> handle_;
  std::string pending_;
};

}  // namespace brisk::server
