#pragma once
// Lock (asyncio.Lock): mutual exclusion between tasks of one loop, held
// across awaits. FIFO; `auto held = co_await lock.acquire();` unlocks when
// `held` goes out of scope. A thin name over a one-permit Semaphore.

#include <brisk/runtime/semaphore.hpp>

namespace brisk {

class Lock {
 public:
  using Guard = Semaphore::Guard;

  bool locked() const noexcept { return sem_.locked(); }
  std::size_t waiters() const noexcept { return sem_.waiters(); }

  // Cancellable.
  Semaphore::AcquireAwaiter acquire() noexcept { return sem_.acquire(); }
  // Not cancellable (for re-acquiring on a clean-up path).
  Semaphore::AcquireAwaiter acquire_shielded() noexcept { return sem_.acquire_shielded(); }
  std::optional<Guard> try_acquire() noexcept { return sem_.try_acquire(); }

 private:
  BoundedSemaphore sem_{1};
};

}  // namespace brisk
