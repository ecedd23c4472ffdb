// PriorityQueue: the most urgent job first.
//   example_priority_queue

#include <brisk/runtime.hpp>

#include <cstdio>
#include <string>
#include <utility>

using brisk::Task;

Task<void> main_task() {
  brisk::PriorityQueue<std::pair<int, std::string>> jobs;
  co_await jobs.put({3, "rebuild the index"});
  co_await jobs.put({1, "answer the pager"});
  co_await jobs.put({2, "review the patch"});
  while (auto job = jobs.try_get()) {
    std::printf("priority %d: %s\n", job->first, job->second.c_str());
  }
}

int main() { brisk::run(main_task()); }
