#pragma once
// Semaphore and BoundedSemaphore (asyncio's), with RAII guards:
//
//   auto permit = co_await sem.acquire();          // released at scope exit
//   if (auto p = co_await sem.acquire_for(100ms))  // bounded wait (server 503s)
//
// FIFO: a released permit goes straight to the longest waiter (see
// detail/wait_list.hpp for why a cancellation can never lose it). A waiter
// cancelled while queued leaves the queue and raises CancelledError.

#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/timer.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

namespace brisk {

class Semaphore {
 public:
  explicit Semaphore(std::size_t value) noexcept : value_(value) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  virtual ~Semaphore() = default;

  // Holds one permit; gives it back when destroyed.
  class [[nodiscard]] Guard {
   public:
    Guard() noexcept = default;
    explicit Guard(Semaphore& s) noexcept : s_(&s) {}
    Guard(Guard&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Guard& operator=(Guard&& o) noexcept {
      if (this != &o) {
        release();
        s_ = std::exchange(o.s_, nullptr);
      }
      return *this;
    }
    ~Guard() { release(); }
    bool owns() const noexcept { return s_ != nullptr; }
    void release() noexcept {
      if (s_ != nullptr) {
        std::exchange(s_, nullptr)->release();
      }
    }

   private:
    Semaphore* s_ = nullptr;
  };

  std::size_t value() const noexcept { return value_; }
  std::size_t waiters() const noexcept { return waiters_.size(); }
  bool locked() const noexcept { return value_ == 0; }

  std::optional<Guard> try_acquire() noexcept {
    if (value_ == 0 || !waiters_.empty()) {
      return std::nullopt;
    }
    --value_;
    return Guard{*this};
  }

  // Gives a permit back: to the first waiter if there is one.
  virtual void release() {
    if (!waiters_.empty()) {
      detail::Waiter::wake_first(waiters_);  // the permit passes on; value_ unchanged
    } else {
      ++value_;
    }
  }

  class [[nodiscard]] AcquireAwaiter : public detail::Waiter {
   public:
    AcquireAwaiter(Semaphore& s, bool shielded) noexcept : Waiter(s.waiters_, shielded), s_(&s) {}
    bool await_ready() noexcept {
      if (s_->value_ > 0 && s_->waiters_.empty()) {
        --s_->value_;
        return true;
      }
      return false;
    }
    Guard await_resume() const {
      raise_if_cancelled();
      return Guard{*s_};
    }

   private:
    Semaphore* s_;
  };

  // Cancellable.
  AcquireAwaiter acquire() noexcept { return AcquireAwaiter{*this, false}; }
  // Not cancellable: for clean-up paths that must get the permit back
  // (Condition re-acquiring its lock).
  AcquireAwaiter acquire_shielded() noexcept { return AcquireAwaiter{*this, true}; }

  class [[nodiscard]] TimedAcquireAwaiter : public detail::Waiter {
   public:
    TimedAcquireAwaiter(Semaphore& s, Duration d) noexcept
        : Waiter(s.waiters_), s_(&s), delay_(d), timer_(&TimedAcquireAwaiter::on_timeout, this) {}
    bool await_ready() noexcept {
      if (s_->value_ > 0 && s_->waiters_.empty()) {
        --s_->value_;
        granted_ = true;
        return true;
      }
      return delay_.count() <= 0;
    }
    bool await_suspend(std::coroutine_handle<> h) {
      if (!Waiter::await_suspend(h)) {
        return false;
      }
      granted_ = true;  // unless the timer or a cancellation says otherwise
      timer_.start(task()->loop(), delay_);
      return true;
    }
    std::optional<Guard> await_resume() {
      timer_.stop();
      raise_if_cancelled();
      if (!granted_) {
        return std::nullopt;
      }
      return Guard{*s_};
    }
    void abort() noexcept override {
      timer_.stop();
      Waiter::abort();
    }

   private:
    static void on_timeout(void* self) noexcept {
      auto* a = static_cast<TimedAcquireAwaiter*>(self);
      if (!a->linked()) {
        return;  // a release already handed it the permit in this turn
      }
      a->granted_ = false;
      a->list_->remove(*a);
      a->wake();
    }

    Semaphore* s_;
    Duration delay_;
    TimerNode timer_;
    bool granted_ = false;
  };

  // A permit if one comes within `d`, else nullopt. Cancellable.
  template <typename Rep, typename Period>
  TimedAcquireAwaiter acquire_for(std::chrono::duration<Rep, Period> d) noexcept {
    return TimedAcquireAwaiter{*this, std::chrono::ceil<Duration>(d)};
  }

 protected:
  std::size_t value_;
  detail::Waiter::List waiters_;
};

// A Semaphore that refuses to be released above its initial value
// (asyncio.BoundedSemaphore raises ValueError): such a release is a bug.
class BoundedSemaphore final : public Semaphore {
 public:
  explicit BoundedSemaphore(std::size_t value) noexcept : Semaphore(value), bound_(value) {}

  void release() override {
    if (waiters_.empty() && value_ >= bound_) {
      throw std::logic_error("BoundedSemaphore released too many times");
    }
    Semaphore::release();
  }

 private:
  std::size_t bound_;
};

}  // namespace brisk
