#pragma once
// Outcome<T>: how one task ended, its value or its exception. It is the
// element type of gather_settled() (asyncio's gather(return_exceptions=True)),
// so that one failure does not hide the other results.
//
//   for (auto& o : co_await gather_settled(std::move(tasks))) {
//     if (o.ok()) { use(o.value()); } else { report(o.error()); }
//   }
//
// A plain value type: it owns its value (or the exception_ptr, which keeps
// the exception alive) and references nothing. Outcome<void> holds no value;
// its value() only rethrows.

#include <brisk/runtime/errors.hpp>

#include <cstddef>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace brisk {

template <typename T>
class Outcome {
 public:
  using value_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  static Outcome success(value_type v) { return Outcome{std::in_place_index<0>, std::move(v)}; }
  // `e` must hold an exception: an Outcome is never a failure without one.
  static Outcome failure(std::exception_ptr e) {
    if (!e) {
      throw InvalidStateError("Outcome::failure without an exception");
    }
    return Outcome{std::in_place_index<1>, std::move(e)};
  }

  bool ok() const noexcept { return v_.index() == 0; }
  // The exception, or nullptr when ok().
  std::exception_ptr error() const noexcept { return ok() ? nullptr : std::get<1>(v_); }

  // The value; the task's exception rethrown when it failed.
  decltype(auto) value() & {
    rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) {
      return std::get<0>(v_);
    }
  }
  decltype(auto) value() const& {
    rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) {
      return std::get<0>(v_);
    }
  }
  // By value, so that value() of a temporary Outcome cannot dangle.
  auto value() && {
    rethrow_if_failed();
    if constexpr (!std::is_void_v<T>) {
      return T(std::move(std::get<0>(v_)));
    }
  }

 private:
  template <std::size_t I, typename V>
  Outcome(std::in_place_index_t<I> i, V&& v) : v_(i, std::forward<V>(v)) {}

  void rethrow_if_failed() const {
    if (!ok()) {
      std::rethrow_exception(std::get<1>(v_));
    }
  }

  std::variant<value_type, std::exception_ptr> v_;
};

}  // namespace brisk
