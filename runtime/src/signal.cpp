#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/signal.hpp>

#include <memory>
#include <utility>
#include <vector>

namespace brisk {

struct SignalSet::State {
  std::vector<std::unique_ptr<uv_signal_t>> handles;
  std::deque<int> received;
  Awaiter* waiter = nullptr;
  int open_handles = 0;
};

namespace {

void on_signal(uv_signal_t* h, int signum) {
  auto* s = static_cast<SignalSet::State*>(h->data);
  if (SignalSet::Awaiter* w = std::exchange(s->waiter, nullptr)) {
    w->deliver(signum);
  } else {
    s->received.push_back(signum);
  }
}

}  // namespace

SignalSet::SignalSet(std::initializer_list<int> signals) : s_(new State) {
  uv_loop_t* loop = Loop::current().uv();
  for (int signum : signals) {
    auto h = std::make_unique<uv_signal_t>();
    uv_signal_init(loop, h.get());
    h->data = s_;
    ++s_->open_handles;
    s_->handles.push_back(std::move(h));
    uv_check(uv_signal_start(s_->handles.back().get(), &on_signal, signum), "uv_signal_start");
    uv_unref(reinterpret_cast<uv_handle_t*>(s_->handles.back().get()));
  }
}

SignalSet::~SignalSet() {
  for (auto& h : s_->handles) {
    uv_close(reinterpret_cast<uv_handle_t*>(h.release()), [](uv_handle_t* handle) {
      auto* s = static_cast<State*>(handle->data);
      delete reinterpret_cast<uv_signal_t*>(handle);
      if (--s->open_handles == 0) {
        delete s;
      }
    });
  }
}

bool SignalSet::Awaiter::await_ready() noexcept {
  if (s_->received.empty()) {
    return false;
  }
  signum_ = s_->received.front();
  s_->received.pop_front();
  return true;
}

bool SignalSet::Awaiter::await_suspend(std::coroutine_handle<> h) {
  if (s_->waiter != nullptr) {
    throw InvalidStateError("two tasks waiting on one SignalSet");
  }
  if (!park(h)) {
    return false;
  }
  s_->waiter = this;
  // A task waiting for a signal is a reason to keep running.
  for (auto& handle : s_->handles) {
    uv_ref(reinterpret_cast<uv_handle_t*>(handle.get()));
  }
  return true;
}

void SignalSet::Awaiter::deliver(int signum) noexcept {
  signum_ = signum;
  for (auto& handle : s_->handles) {
    uv_unref(reinterpret_cast<uv_handle_t*>(handle.get()));
  }
  wake();
}

int SignalSet::Awaiter::await_resume() const {
  raise_if_cancelled();
  return signum_;
}

void SignalSet::Awaiter::abort() noexcept {
  s_->waiter = nullptr;
  for (auto& handle : s_->handles) {
    uv_unref(reinterpret_cast<uv_handle_t*>(handle.get()));
  }
  wake_cancelled();
}

}  // namespace brisk
