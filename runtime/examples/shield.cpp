// shield: a save that a cancelled request does not cancel.
//   example_shield

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;
using brisk::Task;

Task<int> save(int order) {  // its argument by value: it outlives the request
  co_await brisk::sleep(30ms);
  std::printf("order %d saved\n", order);
  co_return order;
}

Task<void> request(brisk::JoinHandle<int> saving) {
  co_await brisk::shield(saving);
  std::printf("request answered\n");  // never: cancelled first
}

Task<void> main_task() {
  auto saving = brisk::spawn(save(42));
  auto req = brisk::spawn(request(saving));
  co_await brisk::sleep(5ms);
  req.cancel();  // the client went away
  co_await req.finished();
  std::printf("request cancelled: %s; save still running: %s\n", req.cancelled() ? "yes" : "no",
              saving.done() ? "no" : "yes");
  std::printf("saved order %d\n", co_await saving);
}

int main() { brisk::run(main_task()); }
