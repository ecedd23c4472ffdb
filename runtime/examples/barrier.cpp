// Barrier: three workers finish a phase, then start the next one together.
//   example_barrier

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;
using brisk::Task;

Task<void> worker(int id, brisk::Barrier* phase_done) {
  for (int phase = 1; phase <= 2; ++phase) {
    co_await brisk::sleep(std::chrono::milliseconds(10 * id));
    std::size_t arrival = co_await phase_done->wait();
    if (arrival == phase_done->parties() - 1) {
      std::printf("phase %d: everyone is here (worker %d came last)\n", phase, id);
    }
  }
}

Task<void> main_task() {
  brisk::Barrier phase_done(3);
  co_await brisk::gather(worker(1, &phase_done), worker(2, &phase_done), worker(3, &phase_done));
}

int main() { brisk::run(main_task()); }
