#pragma once
// spawn(): asyncio.create_task. Starts a Task<T> as a task of its own on the
// current loop and returns a JoinHandle<T> to await its result, cancel it or
// ask whether it is done.
//
// Ownership: the task's frame (a small driver coroutine whose promise is the
// TaskState, holding the Task<T>'s frame) is kept alive by the loop until the
// task finishes and by every JoinHandle until it is dropped. Dropping the
// handle detaches the task; it runs on (so, unlike asyncio, dropping the
// result of spawn() is safe: the loop keeps the task alive). A task that fails with nobody left to
// await it is logged when its last reference goes ("exception never
// retrieved"), never lost silently.
//
// Awaiting a JoinHandle from a task that is then cancelled cancels the joined
// task too, as awaiting an asyncio.Task does.

#include <brisk/runtime/detail/frame_pool.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/suspension.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_state.hpp>

#include <optional>
#include <brisk/runtime/site.hpp>
#include <string>
#include <type_traits>
#include <utility>

namespace brisk {

template <typename T>
class JoinHandle;

namespace detail {

// A coroutine parked until a task finishes.
class JoinWaiter : public Joiner, public Suspension {
 public:
  // `cancellable`: a cancelled awaiter stops waiting (and cancels the joined
  // task). Structured primitives wait for their children uncancellably.
  JoinWaiter(TaskState& target, bool cancellable) noexcept
      : target_(&target), cancellable_(cancellable) {}

  bool await_ready() noexcept { return target_->done() && proceed(); }
  bool await_suspend(std::coroutine_handle<> h);
  void await_resume() const noexcept {}

  void abort() noexcept override;
  void notify() noexcept override;

 protected:
  TaskState* target_;

 private:
  bool cancellable_;
};

template <typename T>
class SpawnPromise;

template <typename T>
class Driver {
 public:
  using promise_type = SpawnPromise<T>;
  std::coroutine_handle<promise_type> handle;
};

class SpawnPromiseBase : public TaskState {
 public:
  using TaskState::TaskState;

  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept;
    void await_resume() noexcept {}
    SpawnPromiseBase* self;
  };
  FinalAwaiter final_suspend() noexcept { return {this}; }

  void unhandled_exception() noexcept { set_error(std::current_exception()); }

  using TaskState::identify;
};

template <typename T>
class SpawnPromise final : public SpawnPromiseBase {
 public:
  Driver<T> get_return_object() noexcept {
    return Driver<T>{std::coroutine_handle<SpawnPromise>::from_promise(*this)};
  }
  void destroy_frame() noexcept override { std::coroutine_handle<SpawnPromise>::from_promise(*this).destroy(); }
  template <typename U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  std::optional<T>& value() noexcept { return value_; }

 private:
  std::optional<T> value_;
};

template <>
class SpawnPromise<void> final : public SpawnPromiseBase {
 public:
  Driver<void> get_return_object() noexcept {
    return Driver<void>{std::coroutine_handle<SpawnPromise>::from_promise(*this)};
  }
  void destroy_frame() noexcept override { std::coroutine_handle<SpawnPromise>::from_promise(*this).destroy(); }
  void return_void() noexcept {}
};

// Only the Task is a parameter: whatever else spawn() knows is set on the
// promise afterwards, so the frame of every task stays small.
template <typename T>
Driver<T> drive(Task<T> task) {
  // A task cancelled before its first step never starts its coroutine.
  if (current_task()->take_cancel()) {
    task.drop_unstarted();
    throw CancelledError{};
  }
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
  } else {
    co_return co_await std::move(task);
  }
}

void start_spawned(TaskState& state, std::coroutine_handle<> frame);

}  // namespace detail

template <typename T>
class JoinHandle {
 public:
  JoinHandle() noexcept = default;
  explicit JoinHandle(detail::SpawnPromise<T>* p) noexcept : p_(p) {}  // adopts a reference
  JoinHandle(const JoinHandle& o) noexcept : p_(o.p_) {
    if (p_) {
      p_->add_ref();
    }
  }
  JoinHandle(JoinHandle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  JoinHandle& operator=(JoinHandle o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~JoinHandle() {
    if (p_) {
      p_->release();
    }
  }

  bool valid() const noexcept { return p_ != nullptr; }
  bool done() const noexcept { return p_->done(); }
  bool cancelled() const noexcept { return p_->cancelled(); }
  bool cancel() noexcept { return p_->cancel(); }
  const std::string& name() const noexcept { return p_->name(); }
  TaskState& state() const noexcept { return *p_; }

  // The result of a finished task: its value, or its exception rethrown.
  // An rvalue handle moves the value out; an lvalue one copies it.
  T result() & { return get<false>(); }
  T result() && { return get<true>(); }

  template <bool Move>
  class Awaiter : public detail::JoinWaiter {
   public:
    explicit Awaiter(detail::SpawnPromise<T>* p) noexcept : JoinWaiter(*p, true), p_(p) {}
    T await_resume() {
      raise_if_cancelled();
      return JoinHandle::extract<Move>(p_);
    }

   private:
    detail::SpawnPromise<T>* p_;
  };
  Awaiter<false> operator co_await() & noexcept { return Awaiter<false>{p_}; }
  Awaiter<true> operator co_await() && noexcept { return Awaiter<true>{p_}; }

  // Waits until the task has finished, however, without taking its result and
  // without being cancellable: for primitives that must not return while a
  // child they cancelled may still touch their frame.
  [[nodiscard]] detail::JoinWaiter finished() const noexcept { return detail::JoinWaiter{*p_, false}; }

 private:
  template <bool Move>
  T get() {
    if (!p_->done()) {
      throw InvalidStateError("JoinHandle::result() on a task that has not finished");
    }
    return extract<Move>(p_);
  }
  template <bool Move>
  static T extract(detail::SpawnPromise<T>* p) {
    if (p->cancelled()) {
      throw CancelledError{};
    }
    if (auto e = p->take_error()) {
      std::rethrow_exception(e);
    }
    if constexpr (!std::is_void_v<T>) {
      if constexpr (Move) {
        return std::move(*p->value());
      } else {
        return *p->value();
      }
    }
  }

  detail::SpawnPromise<T>* p_ = nullptr;
};

// Starts `task` as a task of its own on this thread's loop.
template <typename T>
JoinHandle<T> spawn(Task<T> task, std::string name = {},
                    Site where = {}) {
  auto driver = detail::drive<T>(std::move(task));
  auto& promise = driver.handle.promise();
  promise.identify(std::move(name), where);
  detail::start_spawned(promise, driver.handle);
  promise.add_ref();  // the handle's reference; the loop holds the first
  return JoinHandle<T>{&promise};
}

}  // namespace brisk
