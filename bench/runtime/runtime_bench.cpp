// Micro-benchmarks of the runtime, each the twin of a function in
// asyncio_bench.py. Each prints one number: the metric named in run.sh.
//   runtime_bench spawn N | event N | queue N | sleepers N | gather N | shared N

#include <brisk/runtime.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using brisk::Task;
using Clock = std::chrono::steady_clock;

namespace {

double ns_since(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      return std::strtol(line.c_str() + std::char_traits<char>::length(field), nullptr, 10);
    }
  }
  return 0;
}

Task<int> trivial(int i) { co_return i; }

// ns per task: spawn and await N trivial tasks, 1000 at a time.
Task<double> spawn_bench(long n) {
  constexpr long batch = 1000;
  std::vector<brisk::JoinHandle<int>> handles;
  handles.reserve(batch);
  long sum = 0;
  auto start = Clock::now();
  for (long done = 0; done < n; done += batch) {
    for (long i = 0; i < batch; ++i) {
      handles.push_back(brisk::spawn(trivial(static_cast<int>(i))));
    }
    for (auto& h : handles) {
      sum += co_await h;
    }
    handles.clear();
  }
  double ns = ns_since(start) / static_cast<double>(n);
  co_return sum > 0 ? ns : -1;
}

Task<void> event_player(brisk::Event& mine, brisk::Event& theirs, long rounds, bool serve) {
  for (long i = 0; i < rounds; ++i) {
    if (serve) {
      theirs.set();
    }
    co_await mine.wait();
    mine.clear();
    if (!serve) {
      theirs.set();
    }
  }
}

// ns per switch: N round trips between pairs of tasks through two Events,
// 1000 pairs at once (two switches per round trip).
Task<double> event_bench(long n) {
  constexpr long pairs = 1000;
  const long rounds = n / pairs;
  std::vector<brisk::Event> a(pairs), b(pairs);
  std::vector<brisk::JoinHandle<void>> hs;
  auto start = Clock::now();
  for (long p = 0; p < pairs; ++p) {
    hs.push_back(brisk::spawn(event_player(a[p], b[p], rounds, true)));
    hs.push_back(brisk::spawn(event_player(b[p], a[p], rounds, false)));
  }
  for (auto& h : hs) {
    co_await h;
  }
  co_return ns_since(start) / static_cast<double>(pairs * rounds * 2);
}

Task<void> queue_player(brisk::Queue<long>& in, brisk::Queue<long>& out, long rounds, bool serve) {
  for (long i = 0; i < rounds; ++i) {
    if (serve) {
      co_await out.put(i);
      static_cast<void>(co_await in.get());
    } else {
      long v = co_await in.get();
      co_await out.put(v);
    }
  }
}

// ns per switch, as event_bench, through two Queues per pair.
Task<double> queue_bench(long n) {
  constexpr long pairs = 1000;
  const long rounds = n / pairs;
  std::vector<std::unique_ptr<brisk::Queue<long>>> qa, qb;
  for (long p = 0; p < pairs; ++p) {
    qa.push_back(std::make_unique<brisk::Queue<long>>(1));
    qb.push_back(std::make_unique<brisk::Queue<long>>(1));
  }
  std::vector<brisk::JoinHandle<void>> hs;
  auto start = Clock::now();
  for (long p = 0; p < pairs; ++p) {
    hs.push_back(brisk::spawn(queue_player(*qa[p], *qb[p], rounds, true)));
    hs.push_back(brisk::spawn(queue_player(*qb[p], *qa[p], rounds, false)));
  }
  for (auto& h : hs) {
    co_await h;
  }
  co_return ns_since(start) / static_cast<double>(pairs * rounds * 2);
}

Task<void> sleeper() { co_await brisk::sleep(1500ms); }

// Bytes of peak RSS per task, with N tasks asleep at once (the 8-byte
// JoinHandle each keeps in the vector below is counted too).
Task<double> sleepers_bench(long n) {
  long before = status_kib("VmRSS:");
  std::vector<brisk::JoinHandle<void>> hs;
  hs.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    hs.push_back(brisk::spawn(sleeper()));
  }
  co_await brisk::sleep(100ms);  // all started and asleep
  long peak = status_kib("VmHWM:");
  for (auto& h : hs) {
    co_await h;
  }
  co_return static_cast<double>(peak - before) * 1024.0 / static_cast<double>(n);
}

// ms over 100 ms: gather of N concurrent 100 ms sleeps.
Task<double> gather_bench(long n) {
  std::vector<Task<void>> tasks;
  for (long i = 0; i < n; ++i) {
    tasks.push_back([]() -> Task<void> { co_await brisk::sleep(100ms); }());
  }
  auto start = Clock::now();
  co_await brisk::gather(std::move(tasks));
  co_return ns_since(start) / 1e6 - 100.0;
}

// One side of a ping-pong across two loops through two SharedSemaphores:
// each permit is kept until the end, so every round takes a fresh one.
Task<void> shared_player(brisk::SharedSemaphore* mine, brisk::SharedSemaphore* theirs, long rounds, bool serve) {
  std::vector<brisk::SharedSemaphore::Guard> kept;
  kept.reserve(static_cast<std::size_t>(rounds));
  for (long i = 0; i < rounds; ++i) {
    if (serve) {
      theirs->release();
    }
    kept.push_back(co_await mine->acquire());
    if (!serve) {
      theirs->release();
    }
  }
}

// ns per hand-off: N round trips between loops on two threads (two hand-offs
// each, a release on one thread waking a waiter on the other's loop).
double shared_bench(long n) {
  brisk::SharedSemaphore ping(0);
  brisk::SharedSemaphore pong(0);
  auto start = Clock::now();
  std::thread other([&] { brisk::run(shared_player(&ping, &pong, n, false)); });
  brisk::run(shared_player(&pong, &ping, n, true));
  other.join();
  return ns_since(start) / static_cast<double>(2 * n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s spawn|event|queue|sleepers|gather|shared N\n", argv[0]);
    return 2;
  }
  std::string what = argv[1];
  long n = std::strtol(argv[2], nullptr, 10);
  double result = 0;
  if (what == "spawn") {
    result = brisk::run(spawn_bench(n));
  } else if (what == "event") {
    result = brisk::run(event_bench(n));
  } else if (what == "queue") {
    result = brisk::run(queue_bench(n));
  } else if (what == "sleepers") {
    result = brisk::run(sleepers_bench(n));
  } else if (what == "gather") {
    result = brisk::run(gather_bench(n));
  } else if (what == "shared") {
    result = shared_bench(n);
  } else {
    std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
    return 2;
  }
  std::printf("%.2f\n", result);
  return 0;
}
