#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

namespace brisk {
namespace {

struct DefaultPool {
  std::mutex mutex;
  ThreadPool::Options options;
  std::unique_ptr<ThreadPool> pool;
  // Lets every to_thread() after the first skip the mutex.
  std::atomic<ThreadPool*> ready{nullptr};
};

DefaultPool& default_state() {
  static DefaultPool state;
  return state;
}

}  // namespace

namespace detail {

bool PoolJob::await_suspend(std::coroutine_handle<> h) {
  if (!park(h)) {
    return false;
  }
  switch (pool_->submit(*this)) {
    case ThreadPool::Admission::queued:
      // The worker may already be running fn, but its post can only be
      // drained by this thread, after we return to the loop.
      task()->loop().expect_post();
      return true;
    case ThreadPool::Admission::full:
      refused_ = std::make_exception_ptr(OverloadedError(
          "to_thread: the thread pool's queue is full (" + std::to_string(pool_->capacity()) + " jobs waiting)"));
      break;
    case ThreadPool::Admission::stopped:
      refused_ = std::make_exception_ptr(InvalidStateError("to_thread: the thread pool has been shut down"));
      break;
  }
  task()->unpark();
  return false;
}

void PoolJob::end_wait() {
  // Woken by a post, not by wake(): nothing has unparked the task yet.
  if (task()->suspended_in() == this) {
    task()->unpark();
  }
  raise_if_cancelled();
  if (refused_) {
    std::rethrow_exception(std::exchange(refused_, nullptr));
  }
  if (cancelled_job_) {
    throw CancelledError{};
  }
}

void PoolJob::abort() noexcept {
  // A running job keeps the task parked until the worker posts it: fn may use
  // the frame we would otherwise unwind.
  if (pool_->withdraw(*this)) {
    post();
  }
}

void PoolJob::post() noexcept { task()->loop().post_threadsafe(task(), handle()); }

}  // namespace detail

ThreadPool::ThreadPool(Options options) : thread_count_(options.threads), capacity_(options.queue_capacity) {
  if (thread_count_ == 0) {
    throw std::invalid_argument("ThreadPool: threads must be at least 1");
  }
  workers_.reserve(thread_count_);
  try {
    for (std::size_t i = 0; i < thread_count_; ++i) {
      workers_.emplace_back([this] { work(); });
    }
  } catch (...) {
    shutdown();
    throw;
  }
}

ThreadPool::~ThreadPool() { shutdown(); }

ThreadPool& ThreadPool::default_pool() {
  DefaultPool& state = default_state();
  if (ThreadPool* pool = state.ready.load(std::memory_order_acquire)) {
    return *pool;
  }
  std::lock_guard lock(state.mutex);
  if (!state.pool) {
    state.pool = std::make_unique<ThreadPool>(state.options);
    state.ready.store(state.pool.get(), std::memory_order_release);
  }
  return *state.pool;
}

void ThreadPool::configure_default(Options options) {
  if (options.threads == 0) {
    throw std::invalid_argument("ThreadPool: threads must be at least 1");
  }
  DefaultPool& state = default_state();
  std::lock_guard lock(state.mutex);
  if (state.pool) {
    throw InvalidStateError("ThreadPool::configure_default: the default pool is already running");
  }
  state.options = options;
}

void ThreadPool::shutdown() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    while (!queue_.empty()) {
      detail::PoolJob& job = queue_.pop_front();
      job.cancelled_job_ = true;
      // Under the mutex, so abort() cannot touch the job once it is posted.
      job.post();
    }
    workers.swap(workers_);
  }
  wakeup_.notify_all();
  for (std::thread& t : workers) {
    t.join();
  }
}

std::size_t ThreadPool::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t ThreadPool::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

ThreadPool::Admission ThreadPool::submit(detail::PoolJob& job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Admission::stopped;
    }
    // A job an idle thread is about to take is not waiting: only the jobs
    // beyond the idle threads count against the capacity.
    if (queue_.size() >= capacity_ + (thread_count_ - running_)) {
      return Admission::full;
    }
    queue_.push_back(job);
  }
  wakeup_.notify_one();
  return Admission::queued;
}

bool ThreadPool::withdraw(detail::PoolJob& job) noexcept {
  std::lock_guard lock(mutex_);
  job.cancelled_job_ = true;
  if (!job.linked()) {
    return false;
  }
  queue_.remove(job);
  return true;
}

void ThreadPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wakeup_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return;
    }
    detail::PoolJob& job = queue_.pop_front();
    ++running_;
    lock.unlock();
    job.run();
    lock.lock();
    // Counted out before the post, so that the awaiter, once resumed, never
    // sees its own job still running. The frame may be gone after the post.
    --running_;
    job.post();
  }
}

}  // namespace brisk
