#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/thread_event.hpp>

#include <utility>

namespace brisk {

struct ThreadEvent::State {
  uv_async_t async;
  std::atomic<bool> flag{false};
  Awaiter* waiter = nullptr;
};

ThreadEvent::ThreadEvent() : s_(new State) {
  uv_async_init(Loop::current().uv(), &s_->async, [](uv_async_t* a) {
    auto* s = static_cast<State*>(a->data);
    // A wakeup from before a clear() may arrive after it: not for this wait.
    if (s->waiter != nullptr && s->flag.load()) {
      std::exchange(s->waiter, nullptr)->fire();
    }
  });
  s_->async.data = s_;
  uv_unref(reinterpret_cast<uv_handle_t*>(&s_->async));
}

ThreadEvent::~ThreadEvent() {
  uv_close(reinterpret_cast<uv_handle_t*>(&s_->async),
           [](uv_handle_t* h) { delete static_cast<State*>(h->data); });
}

void ThreadEvent::set() noexcept {
  if (!s_->flag.exchange(true)) {
    uv_async_send(&s_->async);
  }
}

bool ThreadEvent::is_set() const noexcept { return s_->flag.load(); }

void ThreadEvent::clear() noexcept { s_->flag.store(false); }

bool ThreadEvent::Awaiter::await_ready() const noexcept { return s_->flag.load(); }

bool ThreadEvent::Awaiter::await_suspend(std::coroutine_handle<> h) {
  if (s_->waiter != nullptr) {
    throw InvalidStateError("two tasks waiting on one ThreadEvent");
  }
  if (!park(h)) {
    return false;
  }
  s_->waiter = this;
  uv_ref(reinterpret_cast<uv_handle_t*>(&s_->async));
  // set() may have run between await_ready and now; its wakeup is then
  // still on its way, or already passed us by: look again.
  if (s_->flag.load()) {
    s_->waiter = nullptr;
    fire();
  }
  return true;
}

void ThreadEvent::Awaiter::fire() noexcept {
  uv_unref(reinterpret_cast<uv_handle_t*>(&s_->async));
  wake();
}

void ThreadEvent::Awaiter::abort() noexcept {
  s_->waiter = nullptr;
  uv_unref(reinterpret_cast<uv_handle_t*>(&s_->async));
  wake_cancelled();
}

}  // namespace brisk
