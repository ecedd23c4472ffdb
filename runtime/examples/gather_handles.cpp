// gather and when_any over spawned tasks, as asyncio.gather(task1, task2).
//   example_gather_handles

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;

Task<int> fetch(int id, int ms) {
  co_await brisk::sleep(std::chrono::milliseconds(ms));
  co_return id * 10;
}

Task<void> main_task() {
  auto user = brisk::spawn(fetch(1, 30), "user");
  auto posts = brisk::spawn(fetch(2, 10), "posts");
  auto [u, p] = co_await brisk::gather(user, posts);
  std::printf("gather: user=%d posts=%d\n", u, p);

  std::vector<brisk::JoinHandle<int>> replicas;
  replicas.push_back(brisk::spawn(fetch(3, 50)));
  replicas.push_back(brisk::spawn(fetch(4, 5)));
  auto [index, reply] = co_await brisk::when_any(replicas);  // the slower replica is cancelled
  co_await replicas[0].finished();
  std::printf("when_any: replica %zu answered %d; the other cancelled: %s\n", index, reply,
              replicas[0].cancelled() ? "yes" : "no");
}

int main() { brisk::run(main_task()); }
