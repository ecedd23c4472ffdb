// as_completed: results in the order the tasks finish.
//   example_as_completed

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;

Task<std::string> download(std::string file, std::chrono::milliseconds takes) {
  co_await brisk::sleep(takes);
  co_return file;
}

Task<void> main_task() {
  std::vector<brisk::JoinHandle<std::string>> downloads;
  downloads.push_back(brisk::spawn(download("big.iso", 30ms)));
  downloads.push_back(brisk::spawn(download("small.txt", 10ms)));
  downloads.push_back(brisk::spawn(download("medium.png", 20ms)));
  auto finished = brisk::as_completed(std::move(downloads));
  while (auto done = co_await finished.next()) {
    std::printf("downloaded %s\n", (co_await *done).c_str());
  }
}

int main() { brisk::run(main_task()); }
