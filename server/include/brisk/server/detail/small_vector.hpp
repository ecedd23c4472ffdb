#pragma once
// SmallVector<T, N>: a vector of trivially copyable T whose first N elements
// live inside the object, so a container that usually stays small (a
// response's two or three header fields) costs no allocation. Past N it
// moves to the heap and grows by doubling; clear() keeps the capacity, as
// std::vector does, so a reused container stops allocating once warm.
//
// Only what Headers needs: append at the end, drop from the end, erase one
// element. Moving an inline SmallVector copies its elements; moving a heap
// one takes the buffer.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace brisk::detail {

template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>);
  static_assert(N > 0);

 public:
  SmallVector() noexcept = default;
  SmallVector(const SmallVector& other) { append(other.data(), other.size()); }
  SmallVector(SmallVector&& other) noexcept { take(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      size_ = 0;
      append(other.data(), other.size());
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  bool is_inline() const noexcept { return data_ == inline_; }

  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T& back() noexcept { return data_[size_ - 1]; }
  const T& back() const noexcept { return data_[size_ - 1]; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }

  void push_back(const T& value) {
    if (size_ == capacity_) {
      grow(size_ + 1);
    }
    data_[size_++] = value;
  }
  void append(const T* values, std::size_t n) {
    if (n > capacity_ - size_) {
      grow(size_ + n);
    }
    if (n != 0) {
      std::memcpy(data_ + size_, values, n * sizeof(T));
    }
    size_ += n;
  }
  void pop_back() noexcept { --size_; }
  // Keeps the first n elements (n <= size()).
  void truncate(std::size_t n) noexcept { size_ = n; }
  void erase(std::size_t i) noexcept {
    std::memmove(data_ + i, data_ + i + 1, (size_ - i - 1) * sizeof(T));
    --size_;
  }
  void clear() noexcept { size_ = 0; }

 private:
  void grow(std::size_t needed) {
    std::size_t capacity = capacity_ * 2 > needed ? capacity_ * 2 : needed;
    T* bigger = static_cast<T*>(::operator new(capacity * sizeof(T)));
    std::memcpy(bigger, data_, size_ * sizeof(T));
    release();
    data_ = bigger;
    capacity_ = capacity;
  }
  void release() noexcept {
    if (data_ != inline_) {
      ::operator delete(data_);
    }
  }
  // Takes other's elements and leaves it empty and inline.
  void take(SmallVector& other) noexcept {
    if (other.is_inline()) {
      std::memcpy(inline_, other.inline_, other.size_ * sizeof(T));
      data_ = inline_;
      capacity_ = N;
    } else {
      data_ = other.data_;
      capacity_ = other.capacity_;
      other.data_ = other.inline_;
      other.capacity_ = N;
    }
    size_ = other.size_;
    other.size_ = 0;
  }

  T* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t capacity_ = N;
  T inline_[N];
};

}  // namespace brisk::detail
