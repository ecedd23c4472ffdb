#pragma once
// The RAII guard of one permit of a semaphore (Semaphore, SharedSemaphore):
// it gives the permit back when destroyed or released, once. Movable, so a
// permit can travel with the work it allows; the semaphore must outlive it.

#include <utility>

namespace brisk::detail {

template <typename S>
class [[nodiscard]] PermitGuard {
 public:
  PermitGuard() noexcept = default;
  explicit PermitGuard(S& s) noexcept : s_(&s) {}
  PermitGuard(PermitGuard&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  PermitGuard& operator=(PermitGuard&& o) noexcept {
    if (this != &o) {
      release();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~PermitGuard() { release(); }

  bool owns() const noexcept { return s_ != nullptr; }
  bool owns(const S& s) const noexcept { return s_ == &s; }
  // noexcept: a guard never releases more than it took, so only a
  // BoundedSemaphore also released by hand could object, and that bug
  // terminates here rather than unwinding out of a destructor.
  void release() noexcept {
    if (s_ != nullptr) {
      std::exchange(s_, nullptr)->release();
    }
  }

 private:
  S* s_ = nullptr;
};

}  // namespace brisk::detail
