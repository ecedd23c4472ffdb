#pragma once
// Lock (asyncio.Lock): mutual exclusion between tasks of one loop, held
// across awaits.
//
//   auto held = co_await lock.acquire();   // unlocks when `held` dies
//   if (auto g = lock.try_acquire()) {...} // never waits
//
// FIFO, no barging, and a cancelled acquire holds nothing: it is a
// one-permit BoundedSemaphore under another name, so semaphore.hpp's
// guarantees and lifetimes hold (the lock outlives its guards and waiters).
// There is no release(): only the guard unlocks, so unlocking a lock one
// does not hold (asyncio's RuntimeError) cannot be written.

#include <brisk/runtime/semaphore.hpp>

#include <cstddef>
#include <optional>

namespace brisk {

class Condition;

class Lock {
 public:
  using Guard = Semaphore::Guard;

  Lock() noexcept = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  bool locked() const noexcept { return sem_.locked(); }
  std::size_t waiters() const noexcept { return sem_.waiters(); }
  // Whether `g` holds this lock (rather than another, or nothing).
  bool held_by(const Guard& g) const noexcept { return g.owns(sem_); }

  // Cancellable.
  Semaphore::AcquireAwaiter acquire() noexcept { return sem_.acquire(); }
  std::optional<Guard> try_acquire() noexcept { return sem_.try_acquire(); }

 private:
  friend class Condition;
  BoundedSemaphore sem_{1};
};

}  // namespace brisk
