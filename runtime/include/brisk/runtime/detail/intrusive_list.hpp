#pragma once
// A doubly linked list threaded through its elements, for wait queues: the
// nodes live in coroutine frames (inside awaiters), so enqueueing allocates
// nothing and a cancelled waiter unlinks itself in O(1).

#include <cstddef>

namespace brisk::detail {

class ListHook {
 public:
  ListHook() = default;
  ListHook(const ListHook&) = delete;
  ListHook& operator=(const ListHook&) = delete;
  bool linked() const noexcept { return prev_ != nullptr; }

 private:
  template <typename T>
  friend class IntrusiveList;
  ListHook* prev_ = nullptr;
  ListHook* next_ = nullptr;
};

// T must derive from ListHook. The list never owns its elements.
template <typename T>
class IntrusiveList {
 public:
  IntrusiveList() noexcept { root_.prev_ = root_.next_ = &root_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const noexcept { return root_.next_ == &root_; }
  std::size_t size() const noexcept { return size_; }

  void push_back(T& item) noexcept {
    ListHook& n = item;
    n.prev_ = root_.prev_;
    n.next_ = &root_;
    root_.prev_->next_ = &n;
    root_.prev_ = &n;
    ++size_;
  }

  T& front() noexcept { return static_cast<T&>(*root_.next_); }

  T& pop_front() noexcept {
    T& item = front();
    remove(item);
    return item;
  }

  // No-op when `item` is not linked, so a waiter can always unlink itself.
  void remove(T& item) noexcept {
    ListHook& n = item;
    if (!n.linked()) {
      return;
    }
    n.prev_->next_ = n.next_;
    n.next_->prev_ = n.prev_;
    n.prev_ = n.next_ = nullptr;
    --size_;
  }

  template <typename F>
  void for_each(F&& f) {
    for (ListHook* n = root_.next_; n != &root_;) {
      ListHook* next = n->next_;
      f(static_cast<T&>(*n));
      n = next;
    }
  }

 private:
  ListHook root_;
  std::size_t size_ = 0;
};

}  // namespace brisk::detail
