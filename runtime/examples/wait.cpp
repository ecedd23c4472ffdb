// wait: the done and the pending tasks, nothing cancelled.
//   example_wait

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;

Task<int> nap(int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return ms;
}

Task<void> main_task() {
  std::vector<brisk::JoinHandle<int>> tasks;
  tasks.push_back(brisk::spawn(nap(10)));
  tasks.push_back(brisk::spawn(nap(40)));
  tasks.push_back(brisk::spawn(nap(200)));
  auto [done, pending] = co_await brisk::wait(std::move(tasks), 50ms, brisk::ReturnWhen::all_completed);
  std::printf("after 50 ms: %zu done, %zu pending\n", done.size(), pending.size());
  auto [first, rest] = co_await brisk::wait(std::move(pending), brisk::ReturnWhen::first_completed);
  std::printf("then the last one: %d ms\n", first[0].result());
}

int main() { brisk::run(main_task()); }
