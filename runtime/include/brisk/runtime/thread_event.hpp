#pragma once
// ThreadEvent: an Event that any thread may set and one loop awaits — how one
// thread tells another thread's runtime "stop now" (the daemon's control
// thread starting a graceful drain in every worker).
//
// Make it on the loop that will wait (its uv_async handle belongs to that
// loop); set() is safe from any thread, before or after the wait starts, and
// repeated sets are one. The object must outlive every set() call; the
// handle is freed by its close callback after the object is gone.

#include <brisk/runtime/suspension.hpp>

#include <atomic>

namespace brisk {

class ThreadEvent {
 public:
  struct State;

  ThreadEvent();
  ~ThreadEvent();
  ThreadEvent(const ThreadEvent&) = delete;
  ThreadEvent& operator=(const ThreadEvent&) = delete;

  void set() noexcept;
  bool is_set() const noexcept;
  // Unset again, for the next round of "tell me when something changed":
  // clear, then look at what the setters change, then wait, so a set() that
  // lands in between is not missed. Only on the waiting loop's thread, while
  // no task waits.
  void clear() noexcept;

  class [[nodiscard]] Awaiter final : public Suspension {
   public:
    explicit Awaiter(State* s) noexcept : s_(s) {}
    bool await_ready() const noexcept;
    bool await_suspend(std::coroutine_handle<> h);
    void await_resume() const { raise_if_cancelled(); }
    void abort() noexcept override;
    void fire() noexcept;

   private:
    State* s_;
  };

  Awaiter wait() noexcept { return Awaiter{s_}; }

 private:
  State* s_;
};

}  // namespace brisk
