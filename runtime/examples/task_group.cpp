// TaskGroup::run: a child's failure cancels the body and every error comes
// back in one ExceptionGroup.
//   example_task_group

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using brisk::Task;

Task<void> worker(int id, int fail_after_ms) {
  try {
    co_await brisk::sleep(std::chrono::milliseconds(fail_after_ms));
  } catch (const brisk::CancelledError&) {
    std::printf("worker %d cancelled\n", id);
    throw;
  }
  throw std::runtime_error("worker " + std::to_string(id) + " failed");
}

Task<void> body(brisk::TaskGroup& group) {
  group.spawn(worker(1, 10));
  group.spawn(worker(2, 1000));
  co_await brisk::sleep(10s);  // cancelled when worker 1 fails
}

Task<void> main_task() {
  brisk::TaskGroup group;
  try {
    co_await group.run(body(group));
  } catch (const brisk::ExceptionGroup& errors) {
    std::printf("%s\n", errors.what());
    for (const auto& e : errors.exceptions()) {
      std::printf("  - %s\n", brisk::describe(e).c_str());
    }
  }
}

int main() { brisk::run(main_task()); }
