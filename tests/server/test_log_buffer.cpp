// LogFile and LogBuffer: whole lines in one write each, from many threads at
// once; lines gathered before a reopen land in the old file; a full disk is
// counted and reported once.

#include <brisk/runtime/log.hpp>
#include <brisk/server/log_buffer.hpp>
#include <brisk/server/log_file.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using brisk::server::LogBuffer;
using brisk::server::LogFile;

namespace {

// A fresh directory, removed with what it holds at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "brisk-log-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

void add(LogBuffer& buffer, const std::string& text) {
  buffer.add([&](std::string& out) { out.append(text); });
}

// Collects what is logged while alive.
class LogCapture {
 public:
  LogCapture() {
    brisk::set_log_sink([this](brisk::LogLevel, std::string_view message) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(message);
    });
  }
  ~LogCapture() { brisk::set_log_sink(nullptr); }
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> messages_;
};

}  // namespace

TEST_CASE("a LogBuffer holds whole lines until its capacity, then writes them", "[log_buffer]") {
  TempDir dir;
  LogFile file(dir.file("access.log"), LogFile::Default::out);
  {
    LogBuffer buffer(file, 60);
    add(buffer, "first line of thirty bytes....");
    CHECK(read(file.path()).empty());
    CHECK(buffer.pending_bytes() == 31);
    add(buffer, "second line, past the capacity");
    CHECK(read(file.path()) == "first line of thirty bytes....\nsecond line, past the capacity\n");
    CHECK(buffer.pending_bytes() == 0);
    add(buffer, "third");
    buffer.flush();
    CHECK(lines_of(read(file.path())).size() == 3);
    add(buffer, "fourth, written as the buffer goes");
  }
  CHECK(lines_of(read(file.path())).back() == "fourth, written as the buffer goes");
  CHECK(file.write_errors() == 0);
}

TEST_CASE("lines of many threads never merge", "[log_buffer]") {
  TempDir dir;
  LogFile file(dir.file("access.log"), LogFile::Default::out);
  constexpr int threads = 4;
  constexpr int per_thread = 20000;
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&file, t] {
      // A small buffer, so that the threads' writes interleave often.
      LogBuffer buffer(file, 512);
      for (int i = 0; i < per_thread; ++i) {
        add(buffer, "thread " + std::to_string(t) + " line " + std::to_string(i) + " " + std::string(i % 97, 'x'));
      }
    });
  }
  for (auto& w : writers) {
    w.join();
  }
  const auto lines = lines_of(read(file.path()));
  REQUIRE(lines.size() == threads * per_thread);
  std::vector<int> next(threads, 0);
  for (const auto& line : lines) {
    int t = -1;
    int i = -1;
    REQUIRE(std::sscanf(line.c_str(), "thread %d line %d", &t, &i) == 2);
    REQUIRE(line == "thread " + std::to_string(t) + " line " + std::to_string(i) + " " + std::string(i % 97, 'x'));
    CHECK(i == next[static_cast<std::size_t>(t)]++);  // each thread's lines in its order
  }
}

TEST_CASE("lines gathered before a reopen go to the old file, later ones to the new", "[log_buffer]") {
  TempDir dir;
  const std::string path = dir.file("access.log");
  LogFile file(path, LogFile::Default::out);
  LogBuffer buffer(file);
  add(buffer, "before");
  std::filesystem::rename(path, dir.file("access.log.1"));
  REQUIRE(file.reopen());
  add(buffer, "after");
  buffer.flush();
  CHECK(read(dir.file("access.log.1")) == "before\n");
  CHECK(read(path) == "after\n");
  CHECK(file.write_line("error line") == std::error_code());
  CHECK(read(path) == "after\nerror line\n");
}

TEST_CASE("a full disk is counted, reported once, and the writer carries on", "[log_buffer]") {
  LogCapture capture;
  LogFile file("/dev/full", LogFile::Default::out);
  LogBuffer buffer(file, 64);
  for (int i = 0; i < 10; ++i) {
    add(buffer, "a line of forty bytes or so, to fill it " + std::to_string(i));
  }
  buffer.flush();
  CHECK(file.write_errors() == 5);  // two lines a write
  CHECK(file.lines_lost() == 10);
  const auto messages = capture.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("cannot write to the log /dev/full: No space left on device") == 0);
  CHECK(file.write_line("one more") == std::error_code());  // still failing: not reported again
  CHECK(file.lines_lost() == 11);
}

TEST_CASE("a write that succeeds again ends the run of failures", "[log_buffer]") {
  TempDir dir;
  LogFile file("/dev/full", LogFile::Default::out);
  const auto full = file.handle();
  CHECK(file.write(*full, "x\n") == std::errc::no_space_on_device);
  CHECK(file.write(*full, "x\n") == std::error_code());
  LogFile good(dir.file("ok.log"), LogFile::Default::out);
  CHECK(file.write(*good.handle(), "y\n") == std::error_code());
  CHECK(file.write(*full, "x\n") == std::errc::no_space_on_device);  // a new run: reported
  CHECK(file.write_errors() == 3);
}
