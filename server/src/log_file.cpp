#include <brisk/server/log_file.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <system_error>

namespace brisk::server {
namespace {

std::FILE* open_append(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (f != nullptr) {
    std::setvbuf(f, nullptr, _IOFBF, 64 * 1024);
  }
  return f;
}

}  // namespace

LogFile::LogFile(std::string path, Default fallback) : path_(std::move(path)), owned_(!path_.empty()) {
  if (owned_) {
    file_ = open_append(path_);
    if (file_ == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot open log file " + path_);
    }
  } else {
    file_ = fallback == Default::out ? stdout : stderr;
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

LogFile::~LogFile() {
  flush();
  if (owned_) {
    std::fclose(file_);
  }
}

void LogFile::write_line(std::string_view line) {
  std::shared_lock lock(swap_mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
}

void LogFile::flush() {
  std::shared_lock lock(swap_mutex_);
  std::fflush(file_);
}

bool LogFile::reopen() {
  if (!owned_) {
    return true;
  }
  std::FILE* fresh = open_append(path_);
  if (fresh == nullptr) {
    return false;
  }
  std::unique_lock lock(swap_mutex_);
  std::fclose(file_);
  file_ = fresh;
  return true;
}

}  // namespace brisk::server
