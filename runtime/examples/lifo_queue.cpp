// LifoQueue: the page visited last comes back first.
//   example_lifo_queue

#include <brisk/runtime.hpp>

#include <cstdio>
#include <string>

using brisk::Task;

Task<void> main_task() {
  brisk::LifoQueue<std::string> pages;
  co_await pages.put("home");
  co_await pages.put("search");
  co_await pages.put("result");
  while (auto page = pages.try_get()) {
    std::printf("back from: %s\n", page->c_str());
  }
}

int main() { brisk::run(main_task()); }
