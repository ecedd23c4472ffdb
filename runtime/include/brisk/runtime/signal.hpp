#pragma once
// SignalSet: POSIX signals as an awaitable, on this thread's loop
// (asyncio's loop.add_signal_handler, turned into something a task awaits).
//
//   SignalSet signals{SIGTERM, SIGINT, SIGHUP};
//   int sig = co_await signals.next();
//
// Signals that arrive while nobody waits are queued (in order, each kind
// once per delivery, as libuv reports them) for the next next(). The set
// does not keep the loop alive by itself. Ownership: the libuv handles live
// in a heap block freed by their close callbacks, after the SignalSet is gone.

#include <brisk/runtime/suspension.hpp>

#include <deque>
#include <initializer_list>

namespace brisk {

class SignalSet {
 public:
  struct State;

  SignalSet(std::initializer_list<int> signals);
  ~SignalSet();
  SignalSet(const SignalSet&) = delete;
  SignalSet& operator=(const SignalSet&) = delete;

  class [[nodiscard]] Awaiter final : public Suspension {
   public:
    explicit Awaiter(State* s) noexcept : s_(s) {}
    bool await_ready() noexcept;
    bool await_suspend(std::coroutine_handle<> h);
    int await_resume() const;
    void abort() noexcept override;
    void deliver(int signum) noexcept;

   private:
    State* s_;
    int signum_ = 0;
  };

  // The next signal received.
  Awaiter next() noexcept { return Awaiter{s_}; }

 private:
  State* s_;
};

}  // namespace brisk
