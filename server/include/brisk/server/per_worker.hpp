#pragma once
// PerWorker<T>: one T for each worker thread, for state a handler keeps
// between requests.
//
// Every worker thread runs its own loop, and the runtime's primitives
// (Semaphore, Lock, Event, Condition, Queue, Future) belong to the loop they
// are used on: one shared by two workers lets a release on one thread wake a
// task of the other's loop, which the runtime stops with a message naming
// the task (Loop::schedule). So a plugin that wants, say, "at most 4 at a
// time per worker" keeps a Semaphore per worker:
//
//   auto permits = ctx.per_worker<brisk::Semaphore>(4);   // in setup()
//   ctx.router().get("/report", [permits](Request&) -> Task<Response> {
//     auto held = co_await permits->get().acquire();       // this worker's
//     ...
//   });
//
// For a limit over the whole process, use brisk::SharedSemaphore instead,
// made once in setup(): it is the one primitive meant to be shared.
//
// Each worker's T is made on that worker's thread, the first time a handler
// there asks for it, from the arguments given to per_worker() (copied);
// it lives until the daemon unloads the plugin. get() outside a worker
// thread (in setup, on a to_thread job) throws InvalidStateError.

#include <brisk/runtime/errors.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>

namespace brisk::server {

// The highest number of worker threads (server.workers accepts 1 to 1024).
inline constexpr std::size_t max_workers = 1024;

// The index of the worker thread this runs on (0 to workers - 1); throws
// InvalidStateError on any other thread.
std::size_t this_worker();

template <typename T, typename... Args>
class PerWorker {
 public:
  explicit PerWorker(Args... args) : args_(std::move(args)...) {}
  PerWorker(const PerWorker&) = delete;
  PerWorker& operator=(const PerWorker&) = delete;

  // This worker's T. Only its own thread ever touches a slot, so no lock.
  T& get() {
    std::unique_ptr<T>& slot = slots_[this_worker()];
    if (!slot) {
      slot = std::apply([](const Args&... a) { return std::unique_ptr<T>(new T(a...)); }, args_);
    }
    return *slot;
  }

 private:
  std::tuple<Args...> args_;
  std::array<std::unique_ptr<T>, max_workers> slots_;
};

}  // namespace brisk::server
