#pragma once
// Queue<T> (asyncio.Queue): FIFO between tasks of one loop. Its variants,
// PriorityQueue<T> and LifoQueue<T> (priority_queue.hpp, lifo_queue.hpp), are
// the same BasicQueue over another order of items: everything below holds
// for them too.
//
//   Queue<int> q(10);              // maxsize 10; 0 = unbounded
//   co_await q.put(1);             // waits while full
//   int v = co_await q.get();      // waits while empty
//   q.try_put(2); q.try_get();     // never wait: false / nullopt instead
//   q.task_done(); co_await q.join();
//   q.close();                     // asyncio 3.13's shutdown()
//
// try_put() on a full queue returns false rather than throwing (asyncio
// raises QueueFull): a full queue is an expected outcome a caller branches
// on, e.g. into a 503; misuse (task_done() too often) throws.
//
// Waiters are served FIFO and nothing is lost to a cancellation: an item is
// handed straight to the longest-waiting getter, and a waiting putter's item
// is moved in as soon as there is room, both as the waiter is unlinked. A
// task cancelled after that, in the same loop turn, still returns from get()
// with its item (from put() with its item queued) and meets the cancellation
// at its next suspension. A task cancelled while still queued raises
// CancelledError; its put() leaves nothing in the queue.
//
// close(): put() and try_put() raise QueueClosed; get() and try_get() drain
// what is left, then raise QueueClosed; tasks waiting in put() or get() wake
// with it at once. join() is not released by close(), as in asyncio.
//
// Lifetimes: the queue outlives every task waiting on it; a waiting put()'s
// item lives in its awaiter, in the putter's frame, until it is moved in.
//
// BasicQueue<T, Items>: Items keeps the queued items in its order, with
// push(T), pop() -> T (the next item, moved out), size() and empty(). An
// item handed straight to a waiting getter skips it: there is a getter only
// while the queue is empty, so the order is kept.

#include <brisk/runtime/detail/wait_list.hpp>

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <utility>

namespace brisk {

// Raised by a closed queue (asyncio.QueueShutDown).
class QueueClosed : public std::runtime_error {
 public:
  QueueClosed() : std::runtime_error("queue closed") {}
};

namespace detail {

// Items in the order they came: the oldest first (Queue), or the newest
// (LifoQueue).
template <typename T, bool Newest>
class SequenceItems {
 public:
  void push(T value) { items_.push_back(std::move(value)); }
  T pop() {
    T& next = Newest ? items_.back() : items_.front();
    T v = std::move(next);
    if constexpr (Newest) {
      items_.pop_back();
    } else {
      items_.pop_front();
    }
    return v;
  }
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }

 private:
  std::deque<T> items_;
};

}  // namespace detail

template <typename T, typename Items>
class BasicQueue {
 public:
  explicit BasicQueue(std::size_t maxsize = 0) noexcept(noexcept(Items())) : maxsize_(maxsize) {}
  BasicQueue(const BasicQueue&) = delete;
  BasicQueue& operator=(const BasicQueue&) = delete;

  std::size_t size() const noexcept { return items_.size(); }
  std::size_t maxsize() const noexcept { return maxsize_; }
  bool empty() const noexcept { return items_.empty(); }
  bool full() const noexcept { return maxsize_ != 0 && items_.size() >= maxsize_; }
  bool closed() const noexcept { return closed_; }

  bool try_put(T value) {
    if (closed_) {
      throw QueueClosed{};
    }
    if (full()) {
      return false;
    }
    push(std::move(value));
    return true;
  }

  std::optional<T> try_get() {
    if (items_.empty()) {
      if (closed_) {
        throw QueueClosed{};
      }
      return std::nullopt;
    }
    return pop();
  }

  class [[nodiscard]] PutAwaiter : public detail::Waiter {
   public:
    PutAwaiter(BasicQueue& q, T v) : Waiter(q.putters_), q_(&q), value_(std::move(v)) {}
    bool await_ready() {
      if (q_->closed_) {
        return true;  // await_resume raises: the item is still ours
      }
      if (q_->full()) {
        return false;
      }
      q_->push(std::move(*value_));
      value_.reset();
      return proceed();
    }
    void await_resume() const {
      raise_if_cancelled();
      if (value_) {
        throw QueueClosed{};  // never taken: the queue closed first
      }
    }

   private:
    friend class BasicQueue;
    BasicQueue* q_;
    std::optional<T> value_;
  };

  class [[nodiscard]] GetAwaiter : public detail::Waiter {
   public:
    explicit GetAwaiter(BasicQueue& q) noexcept : Waiter(q.getters_), q_(&q) {}
    bool await_ready() {
      if (!q_->items_.empty()) {
        value_ = q_->pop();
        return proceed();
      }
      return q_->closed_;
    }
    T await_resume() {
      raise_if_cancelled();
      if (!value_) {
        throw QueueClosed{};
      }
      return std::move(*value_);
    }

   private:
    friend class BasicQueue;
    BasicQueue* q_;
    std::optional<T> value_;
  };

  PutAwaiter put(T value) { return PutAwaiter{*this, std::move(value)}; }
  GetAwaiter get() noexcept { return GetAwaiter{*this}; }

  // One item fetched earlier is fully processed (join() counts them).
  void task_done() {
    if (unfinished_ == 0) {
      throw std::logic_error("Queue::task_done called more times than items were put");
    }
    if (--unfinished_ == 0) {
      detail::Waiter::wake_all(joiners_);
    }
  }

  class [[nodiscard]] JoinAwaiter : public detail::Waiter {
   public:
    explicit JoinAwaiter(BasicQueue& q) noexcept : Waiter(q.joiners_), q_(&q) {}
    bool await_ready() const noexcept { return q_->unfinished_ == 0; }
    void await_resume() const { raise_if_cancelled(); }

   private:
    BasicQueue* q_;
  };

  // Waits until every item put has been marked task_done().
  JoinAwaiter join() noexcept { return JoinAwaiter{*this}; }

  void close() noexcept {
    closed_ = true;
    detail::Waiter::wake_all(getters_);
    detail::Waiter::wake_all(putters_);
  }

 private:
  void push(T value) {
    ++unfinished_;
    if (!getters_.empty()) {
      auto& g = static_cast<GetAwaiter&>(getters_.front());
      g.value_.emplace(std::move(value));
      detail::Waiter::wake_first(getters_);
    } else {
      items_.push(std::move(value));
    }
  }

  T pop() {
    T v = items_.pop();
    if (!putters_.empty() && !full()) {
      auto& p = static_cast<PutAwaiter&>(putters_.front());
      push(std::move(*p.value_));
      p.value_.reset();
      detail::Waiter::wake_first(putters_);
    }
    return v;
  }

  std::size_t maxsize_;
  Items items_;
  std::size_t unfinished_ = 0;
  bool closed_ = false;
  detail::Waiter::List getters_;
  detail::Waiter::List putters_;
  detail::Waiter::List joiners_;
};

template <typename T>
using Queue = BasicQueue<T, detail::SequenceItems<T, false>>;

}  // namespace brisk
