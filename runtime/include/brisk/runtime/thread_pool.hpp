#pragma once
// ThreadPool and to_thread(): asyncio.to_thread / loop.run_in_executor.
//
// `co_await to_thread(fn)` runs fn() on a worker thread of a bounded pool of
// brisk's own (not libuv's shared pool, so slow blocking work cannot starve
// libuv's file and DNS requests) and resumes the awaiting task on its own
// loop with fn's result, or with fn's exception rethrown. The loop keeps
// serving its other tasks meanwhile.
//
// Bounded: a pool has `threads` workers and room for `queue_capacity` jobs
// waiting for one (jobs being run do not count). When that room is full,
// to_thread raises OverloadedError at once instead of waiting: the server maps
// it to 503. queue_depth() and running() are there for metrics.
//
// Cancellation:
// - a job still waiting in the queue is taken out of it and the awaiting task
//   wakes with CancelledError at once; fn never runs;
// - a job already running cannot be interrupted. The awaiting task stays
//   suspended until fn returns, its result (or exception) is discarded, and
//   then CancelledError is raised. fn may well reference the caller's frame,
//   so that frame must not unwind while fn runs;
// - a cancellation that arrives after fn has returned but before the task
//   has resumed discards the result too, as asyncio does.
//
// Ownership and lifetimes: a job lives in the awaiting coroutine's frame,
// which holds fn (moved in) and its result; the pool only links it into its
// queue. The pool must outlive every job submitted to it (the default pool
// lives until the process exits). fn runs on another thread: whatever it
// touches must be safe to touch from there, and it must not use the runtime
// (no loop, no tasks) on its worker. A result of reference type is copied
// into the frame on the worker.
//
// Shutdown: shutdown() (or the destructor) lets running jobs finish, joins
// the workers, and completes jobs still queued as cancelled (their awaiters
// raise CancelledError); submitting afterwards raises InvalidStateError. Do
// not call it from inside a job.

#include <brisk/runtime/detail/intrusive_list.hpp>
#include <brisk/runtime/suspension.hpp>

#include <concepts>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace brisk {

class ThreadPool;

namespace detail {

// The type-independent half of a to_thread awaiter: parking, submitting,
// cancelling and completing. Each admitted job is posted back to its loop
// exactly once (by the worker that ran it, by abort() or by shutdown()), which
// matches the one Loop::expect_post() made when it was admitted.
class PoolJob : public ListHook, public Suspension {
 public:
  explicit PoolJob(ThreadPool& pool) noexcept : pool_(&pool) {}

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h);

 protected:
  ~PoolJob() = default;

  // On the loop thread, first thing in await_resume: raises what stopped the
  // job from delivering a result (cancellation, overload, a stopped pool).
  void end_wait();

 private:
  friend class brisk::ThreadPool;

  // On a worker: calls fn and stores its result or exception.
  virtual void run() noexcept = 0;
  void abort() noexcept override;
  // Hands the parked coroutine back to its loop (any thread).
  void post() noexcept;

  ThreadPool* pool_;
  std::exception_ptr refused_;
  // Set under the pool's mutex, read on the loop thread after the post.
  bool cancelled_job_ = false;
};

template <typename F>
class [[nodiscard]] ToThreadAwaiter final : public PoolJob {
 public:
  using result_type = std::remove_cvref_t<std::invoke_result_t<F>>;

  template <typename G>
  ToThreadAwaiter(ThreadPool& pool, G&& fn) : PoolJob(pool), fn_(std::forward<G>(fn)) {}

  result_type await_resume() {
    end_wait();
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
    if constexpr (!std::is_void_v<result_type>) {
      return std::move(*value_);
    }
  }

 private:
  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<result_type>) {
        std::invoke(std::move(fn_));
      } else {
        value_.emplace(std::invoke(std::move(fn_)));
      }
    } catch (...) {
      error_ = std::current_exception();
    }
  }

  struct Empty {};
  F fn_;
  [[no_unique_address]] std::conditional_t<std::is_void_v<result_type>, Empty, std::optional<result_type>> value_;
  std::exception_ptr error_;
};

}  // namespace detail

class ThreadPool {
 public:
  struct Options {
    std::size_t threads = 4;
    std::size_t queue_capacity = 1024;
  };

  // Starts the workers; std::invalid_argument when threads is 0.
  // queue_capacity 0 admits a job only when a thread is free to run it.
  explicit ThreadPool(Options options);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The pool to_thread(fn) uses, created on first use with the options given
  // to configure_default(), or the defaults above.
  static ThreadPool& default_pool();
  // Sets the default pool's options; InvalidStateError once it exists.
  static void configure_default(Options options);

  // See "Shutdown" above. Idempotent; a second call does not wait for the
  // first to finish joining.
  void shutdown();

  // Jobs waiting for a worker.
  std::size_t queue_depth() const;
  // Jobs a worker is running now.
  std::size_t running() const;
  std::size_t threads() const noexcept { return thread_count_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  friend class detail::PoolJob;

  enum class Admission { queued, full, stopped };
  Admission submit(detail::PoolJob& job);
  // Takes `job` out of the queue: false if a worker already has it.
  bool withdraw(detail::PoolJob& job) noexcept;
  void work();

  const std::size_t thread_count_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wakeup_;
  detail::IntrusiveList<detail::PoolJob> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// `co_await to_thread(fn)`: runs fn() on the default pool (see above).
template <typename F>
  requires std::invocable<std::decay_t<F>>
[[nodiscard]] detail::ToThreadAwaiter<std::decay_t<F>> to_thread(F&& fn) {
  return detail::ToThreadAwaiter<std::decay_t<F>>{ThreadPool::default_pool(), std::forward<F>(fn)};
}

// The same on a pool of the caller's choosing.
template <typename F>
  requires std::invocable<std::decay_t<F>>
[[nodiscard]] detail::ToThreadAwaiter<std::decay_t<F>> to_thread(ThreadPool& pool, F&& fn) {
  return detail::ToThreadAwaiter<std::decay_t<F>>{pool, std::forward<F>(fn)};
}

}  // namespace brisk
