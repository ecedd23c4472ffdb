// Future: a reply that a timer's callback sets, awaited by three tasks.
//   example_future

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;
using brisk::Task;

Task<void> reader(int id, brisk::Future<std::string>* reply) {
  const std::string& value = co_await *reply;  // the future's own value, while it lives
  std::printf("reader %d got %s\n", id, value.c_str());
}

Task<void> main_task() {
  brisk::Future<std::string> reply;
  auto a = brisk::spawn(reader(1, &reply));
  auto b = brisk::spawn(reader(2, &reply));
  auto c = brisk::spawn(reader(3, &reply));
  // A plain callback on the loop's thread may set it, as a libuv callback would.
  brisk::TimerNode timer{[](void* f) noexcept { static_cast<brisk::Future<std::string>*>(f)->set_result("pong"); },
                         &reply};
  timer.start(brisk::Loop::current(), 20ms);
  co_await brisk::gather(a, b, c);
  try {
    reply.set_result("again");
  } catch (const brisk::InvalidStateError& e) {
    std::printf("set twice: %s\n", e.what());
  }
}

int main() { brisk::run(main_task()); }
