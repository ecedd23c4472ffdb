#pragma once
// LogFile: an append-only log (the access log, the error log) that every
// worker thread writes whole lines to, and that SIGHUP reopens so logrotate
// can move the old file away. An empty path means stdout (or stderr).
//
// Lines are buffered by stdio and flushed by flush(), which the daemon calls
// once a second and at exit: a line costs one locked memcpy, not a syscall.

#include <cstdio>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>

namespace brisk::server {

class LogFile {
 public:
  enum class Default { out, err };

  // Opens `path` for appending (throws std::system_error naming the path,
  // with the reason as its code); "" writes to the default stream instead.
  LogFile(std::string path, Default fallback);
  // The error opening `path` for appending would give, found without opening
  // it or creating it: none for "". For --check-config, which must not leave
  // behind a file that the daemon, started as another user, cannot open.
  static std::error_code check_appendable(const std::string& path);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  void write_line(std::string_view line);
  void flush();
  // Reopens the file by path (after rotation); false, and the old file kept,
  // when it cannot be opened.
  bool reopen();

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::FILE* file_;
  bool owned_;
  // Writers share the file (stdio locks each write); reopen() swaps it.
  std::shared_mutex swap_mutex_;
};

}  // namespace brisk::server
