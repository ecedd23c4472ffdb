#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/timer.hpp>

namespace brisk {

TimerNode::~TimerNode() { stop(); }

void TimerNode::start(Loop& loop, Duration delay) {
  auto ms = delay.count() < 0 ? 0 : static_cast<std::uint64_t>(delay.count());
  start_at(loop, loop.deadline_after(ms));
}

void TimerNode::start_at(Loop& loop, std::uint64_t deadline) {
  stop();
  loop_ = &loop;
  deadline_ = deadline;
  loop.add_timer(*this);
}

void TimerNode::stop() noexcept {
  if (armed()) {
    loop_->remove_timer(*this);
  }
}

bool SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  if (!park(h)) {
    return false;
  }
  timer_.start(task()->loop(), Duration(delay_ms_));
  return true;
}

void SleepAwaiter::on_fire(void* self) noexcept { static_cast<SleepAwaiter*>(self)->wake(); }

void SleepAwaiter::abort() noexcept {
  timer_.stop();
  wake_cancelled();
}

namespace detail {

bool TimerHeap::earlier(const TimerNode& a, const TimerNode& b) noexcept {
  return a.deadline_ != b.deadline_ ? a.deadline_ < b.deadline_ : static_cast<std::int32_t>(a.seq_ - b.seq_) < 0;
}

void TimerHeap::place(std::size_t i, TimerNode* n) noexcept {
  heap_[i] = n;
  n->index_ = static_cast<std::uint32_t>(i);
}

void TimerHeap::push(TimerNode& n) {
  n.seq_ = next_seq_++;
  heap_.push_back(&n);
  n.index_ = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(n.index_);
}

void TimerHeap::remove(TimerNode& n) noexcept {
  std::size_t i = n.index_;
  TimerNode* last = heap_.back();
  heap_.pop_back();
  n.index_ = TimerNode::npos;
  if (last == &n) {
    return;
  }
  place(i, last);
  sift_up(i);
  sift_down(last->index_);
}

void TimerHeap::sift_up(std::size_t i) noexcept {
  TimerNode* n = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!earlier(*n, *heap_[parent])) {
      break;
    }
    place(i, heap_[parent]);
    i = parent;
  }
  place(i, n);
}

void TimerHeap::sift_down(std::size_t i) noexcept {
  TimerNode* n = heap_[i];
  const std::size_t size = heap_.size();
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= size) {
      break;
    }
    if (child + 1 < size && earlier(*heap_[child + 1], *heap_[child])) {
      ++child;
    }
    if (!earlier(*heap_[child], *n)) {
      break;
    }
    place(i, heap_[child]);
    i = child;
  }
  place(i, n);
}

}  // namespace detail
}  // namespace brisk
