#include <brisk/server/log_file.hpp>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

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
      throw std::runtime_error("cannot open log file " + path_ + ": " + std::strerror(errno));
    }
  } else {
    file_ = fallback == Default::out ? stdout : stderr;
  }
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
