#pragma once
// Barrier (asyncio.Barrier, Python 3.11): `parties` tasks wait for each
// other, then all go on together; the barrier is then ready for the next
// round.
//
//   brisk::Barrier ready(3);
//   std::size_t index = co_await ready.wait();   // 0, 1, 2 in order of arrival
//   if (index == 0) { ... one task does the round's chore ... }
//
// wait() returns the task's arrival index. The last arrival (index
// parties - 1) releases the others and does not wait; like every await
// that can complete at once, it spends the cooperative budget (coop.hpp).
// abort() breaks the barrier: the tasks waiting, and every wait() after,
// raise BrokenBarrierError until reset(). reset() empties it: the tasks
// waiting raise BrokenBarrierError and the barrier is whole again.
//
// A task cancelled while it waits leaves (n_waiting() drops, the round
// needs another arrival) and raises CancelledError, as asyncio's does. A
// task released by the last arrival and cancelled in the same loop turn
// still returns its index, and meets the cancellation at its next suspension
// (detail/wait_list.hpp). Unlike asyncio's, a released round needs no
// draining: the waiters are handed their release as they are unlinked, so a
// task arriving at once starts the next round.
//
// Lifetimes: the barrier outlives every task waiting on it (each waiter is a
// node inside its awaiter, in the waiting frame). One loop only.

#include <brisk/runtime/detail/wait_list.hpp>
#include <brisk/runtime/errors.hpp>

#include <cstddef>
#include <stdexcept>

namespace brisk {

// A wait() on a barrier that was aborted, or reset while it waited
// (asyncio.BrokenBarrierError).
class BrokenBarrierError : public std::runtime_error {
 public:
  BrokenBarrierError() : std::runtime_error("barrier broken") {}
};

class Barrier {
 public:
  // `parties` must be at least 1 (InvalidStateError; asyncio's ValueError).
  explicit Barrier(std::size_t parties) : parties_(parties) {
    if (parties == 0) {
      throw InvalidStateError("Barrier of no party");
    }
  }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  std::size_t parties() const noexcept { return parties_; }
  std::size_t n_waiting() const noexcept { return waiters_.size(); }
  bool broken() const noexcept { return broken_; }

  class [[nodiscard]] Awaiter : public detail::Waiter {
   public:
    explicit Awaiter(Barrier& b) noexcept : Waiter(b.waiters_), b_(&b) {}
    bool await_ready() noexcept {
      if (b_->broken_) {
        outcome_ = State::broken;
        return true;
      }
      index_ = b_->waiters_.size();
      if (index_ + 1 < b_->parties_) {
        return false;
      }
      b_->end_round(State::passed);
      return proceed();
    }
    std::size_t await_resume() const {
      raise_if_cancelled();
      if (outcome_ == State::broken) {
        throw BrokenBarrierError{};
      }
      return index_;
    }

   private:
    friend class Barrier;
    enum class State : unsigned char { waiting, passed, broken };

    Barrier* b_;
    std::size_t index_ = 0;
    State outcome_ = State::waiting;
  };

  // Cancellable.
  Awaiter wait() noexcept { return Awaiter{*this}; }

  void abort() noexcept {
    broken_ = true;
    end_round(Awaiter::State::broken);
  }
  void reset() noexcept {
    end_round(Awaiter::State::broken);
    broken_ = false;
  }

 private:
  // Wakes every waiter with `outcome`, handed over as it is unlinked.
  void end_round(Awaiter::State outcome) noexcept {
    while (!waiters_.empty()) {
      static_cast<Awaiter&>(waiters_.front()).outcome_ = outcome;
      detail::Waiter::wake_first(waiters_);
    }
  }

  std::size_t parties_;
  detail::Waiter::List waiters_;
  bool broken_ = false;
};

}  // namespace brisk
