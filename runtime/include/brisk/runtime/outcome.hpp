#pragma once
// Outcome<T>: what a task ended with, a value or an exception — one element
// of gather_settled()'s result (asyncio's gather(return_exceptions=True)).

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace brisk {

template <typename T>
class Outcome {
 public:
  using value_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  static Outcome success(value_type v) { return Outcome{std::move(v), nullptr}; }
  static Outcome failure(std::exception_ptr e) { return Outcome{std::nullopt, std::move(e)}; }

  bool ok() const noexcept { return error_ == nullptr; }
  std::exception_ptr error() const noexcept { return error_; }
  // The value, or the exception rethrown.
  value_type& value() {
    if (error_) {
      std::rethrow_exception(error_);
    }
    return *value_;
  }

 private:
  Outcome(std::optional<value_type> v, std::exception_ptr e) : value_(std::move(v)), error_(std::move(e)) {}

  std::optional<value_type> value_;
  std::exception_ptr error_;
};

}  // namespace brisk
