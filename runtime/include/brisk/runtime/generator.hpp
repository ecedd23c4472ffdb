#pragma once
// Generator<T>: an async generator (asyncio's `async def` with `yield`,
// consumed by `async for`).
//
// The body may `co_yield` values and `co_await` anything a Task can. It is
// lazy: nothing runs until the first next(). `co_await gen.next()` runs the
// body up to its next co_yield and returns the value, or std::nullopt once the
// body has returned; an exception leaving the body is rethrown by that
// next(), after which the generator is finished. The consumer's loop:
//
//   while (auto chunk = co_await body.next()) { ... *chunk ... }
//
// Control passes between consumer and body by symmetric transfer, so a long
// stream uses no stack; each next() spends the task's cooperative budget
// (coop.hpp), so a long stream still lets the rest of the loop run. The body runs inside the consumer's task: its awaits
// park that task, and cancelling the task raises CancelledError inside the
// body, which (unless the body catches it) comes out of next().
//
// Ownership: the Generator object owns the body's frame. Destroying it before
// the body has finished destroys the suspended frame: its locals are
// destroyed, RAII cleanup runs, the code after the last co_yield does not.
// It must not be destroyed, moved from or asked for next() while a next() is
// in progress (one consumer at a time; the consumer usually owns it as a
// local, which makes that impossible). Yielded values are moved into the
// generator's promise, then out to the consumer: Generator<T> yields values,
// never references into the body's frame.

#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/detail/frame_pool.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace brisk {

template <typename T>
class [[nodiscard]] Generator {
  static_assert(std::is_object_v<T> && !std::is_const_v<T>, "Generator<T> yields values");

 public:
  class promise_type {
   public:
    Generator get_return_object() noexcept {
      return Generator{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    static void* operator new(std::size_t size) { return detail::allocate_frame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept { detail::free_frame(frame, size); }
    std::suspend_always initial_suspend() noexcept { return {}; }

    // Suspends the body and hands control straight back to the consumer.
    struct ToConsumer {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().consumer_;
      }
      void await_resume() noexcept {}
    };
    ToConsumer final_suspend() noexcept { return {}; }

    template <typename U = T>
      requires std::is_constructible_v<T, U&&>
    ToConsumer yield_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
      value_.emplace(std::forward<U>(value));
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

   private:
    friend class Generator;
    std::coroutine_handle<> consumer_ = nullptr;
    std::optional<T> value_;
    std::exception_ptr error_;
  };

  using handle_type = std::coroutine_handle<promise_type>;

  Generator() noexcept = default;
  Generator(Generator&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Generator& operator=(Generator&& o) noexcept {
    if (this != &o) {
      destroy();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator() { destroy(); }

  bool valid() const noexcept { return h_ != nullptr; }
  // The body has returned or thrown (or this generator is empty).
  bool finished() const noexcept { return !h_ || h_.done(); }

  class [[nodiscard]] NextAwaiter {
   public:
    explicit NextAwaiter(handle_type h) noexcept : h_(h) {}
    bool await_ready() const noexcept { return !h_ || h_.done(); }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> consumer) {
      h_.promise().consumer_ = consumer;
      // A body that makes values without waiting would otherwise hold the
      // loop for the whole stream: it spends the cooperative budget too.
      if (!coop::spend()) {
        coop::requeue(h_);
        return std::noop_coroutine();
      }
      return h_;
    }
    std::optional<T> await_resume() {
      if (!h_) {
        return std::nullopt;
      }
      promise_type& p = h_.promise();
      if (p.error_) {
        std::rethrow_exception(std::exchange(p.error_, nullptr));
      }
      std::optional<T> out = std::move(p.value_);
      p.value_.reset();
      return out;
    }

   private:
    handle_type h_;
  };

  // The next value, or std::nullopt at the end (see above).
  NextAwaiter next() noexcept { return NextAwaiter{h_}; }

 private:
  explicit Generator(handle_type h) noexcept : h_(h) {}

  void destroy() noexcept {
    if (h_) {
      h_.destroy();
      h_ = nullptr;
    }
  }

  handle_type h_ = nullptr;
};

}  // namespace brisk
