#pragma once
// LogFile: an append-only log (the access log, the error log) that any
// thread writes whole lines to, and that SIGHUP reopens so logrotate can move
// the old file away. An empty path means stdout (or stderr).
//
// Every write(2) carries whole lines to a descriptor opened with O_APPEND: the
// kernel puts each write at the end of the file in one piece, so lines written
// by different threads never merge. To a pipe (stdout under a supervisor) a
// write is only atomic up to PIPE_BUF, so there the lines go out in batches of
// at most PIPE_BUF bytes (a longer line alone).
//
// Threads never take a lock to write. reopen() installs a new Handle; a writer
// pins the Handle it started with (handle()) and writes to it until it is done,
// so lines gathered before a reopen land in the old file, and the old file is
// closed when its last writer lets go of it.
//
// A failed write (a full disk) loses its lines and is counted (write_errors(),
// lines_lost(), in /metrics); only the first failure of a run is returned to
// the caller to report, so a full disk is logged once, not once per line.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>

namespace brisk::server {

class LogFile {
 public:
  enum class Default { out, err };

  // One open descriptor of the log; closed (when the log opened it) with the
  // last reference.
  struct Handle {
    int fd = -1;
    bool owned = false;
    // The most one write may carry and still arrive in one piece.
    std::size_t atomic_limit = 0;
    std::uint64_t generation = 0;

    Handle() = default;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle();
  };

  // Opens `path` for appending (throws std::system_error naming the path,
  // with the reason as its code); "" writes to the default stream instead.
  LogFile(std::string path, Default fallback);
  // The error opening `path` for appending would give, found without opening
  // it or creating it: none for "". For --check-config, which must not leave
  // behind a file that the daemon, started as another user, cannot open.
  static std::error_code check_appendable(const std::string& path);
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  // The descriptor to write to now; keep it for the lines gathered since.
  std::shared_ptr<const Handle> handle() const;
  // Bumped by each reopen(): a writer whose Handle is older writes out what
  // it holds and takes the new one. One atomic load: cheap enough per line.
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  // Writes `lines` (each ending in '\n') to `to`. Returns the error only for
  // the first failure after a success: the one to report.
  [[nodiscard]] std::error_code write(const Handle& to, std::string_view lines) noexcept;
  // One line, its newline added here, in one write to the current handle.
  [[nodiscard]] std::error_code write_line(std::string_view line);

  // Reopens the file by path (after rotation); false, and the old file kept,
  // when it cannot be opened. Called from one thread only (the daemon's control).
  bool reopen();

  const std::string& path() const noexcept { return path_; }
  // The path, or "stdout" / "stderr": how a message names this log.
  std::string name() const;
  std::uint64_t write_errors() const noexcept { return write_errors_.load(std::memory_order_relaxed); }
  std::uint64_t lines_lost() const noexcept { return lines_lost_.load(std::memory_order_relaxed); }

 private:
  std::string path_;
  Default fallback_;
  mutable std::mutex handle_mutex_;  // guards current_, not the writes
  std::shared_ptr<const Handle> current_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> lines_lost_{0};
  std::atomic<bool> failing_{false};
};

}  // namespace brisk::server
