#include <brisk/server/log_file.hpp>

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string>
#include <system_error>

namespace brisk::server {
namespace {

std::size_t atomic_limit_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
    return PIPE_BUF;
  }
  return std::numeric_limits<std::size_t>::max();
}

std::shared_ptr<LogFile::Handle> standard_handle(int fd) {
  auto h = std::make_shared<LogFile::Handle>();
  h->fd = fd;
  h->atomic_limit = atomic_limit_of(fd);
  return h;
}

// The file at `path` opened for appending, or nullptr with errno set.
std::shared_ptr<LogFile::Handle> open_handle(const std::string& path, std::uint64_t generation) {
  auto h = std::make_shared<LogFile::Handle>();  // first: an fd is never left without its owner
  h->fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (h->fd < 0) {
    return nullptr;
  }
  h->owned = true;
  h->atomic_limit = atomic_limit_of(h->fd);
  h->generation = generation;
  return h;
}

// Writes all of `bytes`, however many calls the kernel wants: 0 or the errno.
int write_all(int fd, std::string_view bytes) noexcept {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// The longest run of whole lines at the front of `lines` within `limit`
// bytes, or the first line alone when it is longer.
std::size_t batch_size(std::string_view lines, std::size_t limit) noexcept {
  if (lines.size() <= limit) {
    return lines.size();
  }
  const auto last = lines.substr(0, limit).rfind('\n');
  return last != std::string_view::npos ? last + 1 : std::min(lines.find('\n'), lines.size() - 1) + 1;
}

}  // namespace

LogFile::Handle::~Handle() {
  if (owned) {
    ::close(fd);
  }
}

LogFile::LogFile(std::string path, Default fallback) : path_(std::move(path)), fallback_(fallback) {
  if (path_.empty()) {
    current_ = standard_handle(fallback == Default::out ? STDOUT_FILENO : STDERR_FILENO);
    return;
  }
  current_ = open_handle(path_, 0);
  if (current_ == nullptr) {
    throw std::system_error(errno, std::generic_category(), "cannot open log file " + path_);
  }
}

std::error_code LogFile::check_appendable(const std::string& path) {
  if (path.empty()) {
    return {};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return std::make_error_code(std::errc::is_a_directory);
    }
    return ::access(path.c_str(), W_OK) == 0 ? std::error_code() : std::error_code(errno, std::generic_category());
  }
  if (errno != ENOENT) {
    return {errno, std::generic_category()};
  }
  // A new file: its directory must exist and take it.
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  return ::access(dir.c_str(), W_OK | X_OK) == 0 ? std::error_code() : std::error_code(errno, std::generic_category());
}

std::shared_ptr<const LogFile::Handle> LogFile::handle() const {
  std::lock_guard lock(handle_mutex_);
  return current_;
}

std::error_code LogFile::write(const Handle& to, std::string_view lines) noexcept {
  int error = 0;
  while (!lines.empty() && error == 0) {
    const std::size_t n = batch_size(lines, to.atomic_limit);
    error = write_all(to.fd, lines.substr(0, n));
    if (error == 0) {
      lines.remove_prefix(n);
    }
  }
  if (error == 0) {
    failing_.store(false, std::memory_order_relaxed);
    return {};
  }
  // What was left unwritten is lost (a line cut short by a full disk too).
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  lines_lost_.fetch_add(static_cast<std::uint64_t>(std::count(lines.begin(), lines.end(), '\n')),
                        std::memory_order_relaxed);
  if (failing_.exchange(true, std::memory_order_relaxed)) {
    return {};
  }
  return {error, std::generic_category()};
}

std::error_code LogFile::write_line(std::string_view line) {
  std::string whole;
  whole.reserve(line.size() + 1);
  whole.append(line).push_back('\n');
  return write(*handle(), whole);
}

bool LogFile::reopen() {
  if (path_.empty()) {
    return true;
  }
  // Only the control thread reopens, so the generation read here is still
  // the latest when it is stored.
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
  auto fresh = open_handle(path_, generation);
  if (fresh == nullptr) {
    return false;
  }
  std::lock_guard lock(handle_mutex_);
  current_ = std::move(fresh);
  generation_.store(generation, std::memory_order_release);
  return true;
}

std::string LogFile::name() const {
  if (!path_.empty()) {
    return path_;
  }
  return fallback_ == Default::out ? "stdout" : "stderr";
}

}  // namespace brisk::server
