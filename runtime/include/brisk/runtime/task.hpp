#pragma once
// Task<T>: a lazy coroutine, the C++ spelling of an asyncio coroutine object.
//
// A Task does nothing until it is awaited (or handed to spawn()). Awaiting it
// starts it by symmetric transfer and it transfers back to its awaiter when it
// finishes, so an await chain of any depth uses no stack.
//
// Ownership: the Task object owns the coroutine frame and destroys it in its
// destructor. While awaited, the awaiting frame owns the Task (it is a
// temporary or a local of that frame), so the frame outlives its execution.
// A Task is single-use: awaiting it twice throws InvalidStateError.

#include <brisk/runtime/detail/frame_pool.hpp>
#include <brisk/runtime/errors.hpp>

#include <coroutine>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

namespace brisk {

template <typename T = void>
class Task;

namespace detail {

void note_task_never_awaited(std::coroutine_handle<> h) noexcept;

class PromiseBase {
 public:
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept { free_frame(frame, size); }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      return h.promise().continuation_;
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { error_ = std::current_exception(); }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }
  bool started() const noexcept { return continuation_ != nullptr; }

 protected:
  void rethrow_if_error() {
    if (error_) {
      std::rethrow_exception(std::exchange(error_, nullptr));
    }
  }

 private:
  std::coroutine_handle<> continuation_ = nullptr;
  std::exception_ptr error_;
};

template <typename T>
class Promise final : public PromiseBase {
 public:
  Promise() noexcept {}
  ~Promise() {
    if (has_value_) {
      value_.~T();
    }
  }
  Task<T> get_return_object() noexcept;

  template <typename U = T>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(&value_)) T(std::forward<U>(v));
    has_value_ = true;
  }

  T result() {
    rethrow_if_error();
    return std::move(value_);
  }

 private:
  union {
    T value_;
  };
  bool has_value_ = false;
};

template <>
class Promise<void> final : public PromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void result() { rethrow_if_error(); }
};

}  // namespace detail

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using value_type = T;
  using handle_type = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(handle_type h) noexcept : h_(h) {}
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      destroy();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  bool valid() const noexcept { return h_ != nullptr; }

  // Destroys a Task that will never run because the task meant to run it was
  // cancelled first (asyncio never starts a coroutine cancelled before its
  // first step). Unlike the destructor, this is not reported as never awaited.
  void drop_unstarted() noexcept {
    if (h_) {
      h_.destroy();
      h_ = nullptr;
    }
  }

  class Awaiter {
   public:
    explicit Awaiter(handle_type h) noexcept : h_(h) {}
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) {
      if (!h_ || h_.promise().started()) {
        throw InvalidStateError("brisk::Task awaited twice or after being moved from");
      }
      h_.promise().set_continuation(awaiting);
      return h_;
    }
    T await_resume() { return h_.promise().result(); }

   private:
    handle_type h_;
  };

  Awaiter operator co_await() && noexcept { return Awaiter{h_}; }
  Awaiter operator co_await() & noexcept { return Awaiter{h_}; }

 private:
  void destroy() noexcept {
    if (h_) {
      if (!h_.promise().started()) {
        detail::note_task_never_awaited(h_);
      }
      h_.destroy();
      h_ = nullptr;
    }
  }

  handle_type h_ = nullptr;
};

namespace detail {
template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<Promise<T>>::from_promise(*this)};
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<Promise<void>>::from_promise(*this)};
}
}  // namespace detail

}  // namespace brisk
