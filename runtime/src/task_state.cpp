#include <brisk/runtime/log.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task_state.hpp>

#include <cxxabi.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <typeinfo>

namespace brisk {
namespace {

// Per thread: ids tell the tasks of one loop apart, and need no atomics.
thread_local std::uint32_t next_task_id = 1;

bool is_cancellation(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? out.get() : name;
}

std::string site(const Site& where) {
  return std::string(where.file) + ":" + std::to_string(where.line);
}

}  // namespace

TaskState::TaskState() : loop_(&Loop::current()), id_(next_task_id++) { loop_->tasks().push_back(*this); }

void TaskState::identify(std::string name, Site where) {
  if (!name.empty()) {
    name_ = std::make_unique<std::string>(std::move(name));
  }
  file_ = where.file;
  line_ = where.line;
}

const std::string& TaskState::name() const {
  if (!name_) {
    name_ = std::make_unique<std::string>("Task-" + std::to_string(id_));
  }
  return *name_;
}

TaskState::~TaskState() {
  if (error_ && !error_retrieved_) {
 log(LogLevel::error, "task '" + name() + "' (spawned at " + site(spawned_at()) +
                             ") failed and nobody awaited it: " + describe(error_));
  }
}

bool TaskState::cancel() noexcept {
  if (done_) {
    return false;
  }
  ++cancel_requests_;
  if (Suspension* s = std::exchange(suspended_in_, nullptr)) {
    s->abort();
  } else {
    cancel_pending_ = true;
  }
  return true;
}

int TaskState::uncancel() noexcept {
  if (cancel_requests_ > 0 && --cancel_requests_ == 0) {
    cancel_pending_ = false;
  }
  return cancel_requests_;
}

bool TaskState::take_cancel() noexcept { return std::exchange(cancel_pending_, false); }

void TaskState::release() noexcept {
  if (--refs_ == 0) {
    destroy_frame();
  }
}

void TaskState::add_joiner(detail::Joiner& w) noexcept { joiners_.push_back(w); }

void TaskState::remove_joiner(detail::Joiner& w) noexcept { joiners_.remove(w); }

std::exception_ptr TaskState::take_error() noexcept {
  error_retrieved_ = true;
  return error_;
}

void TaskState::set_error(std::exception_ptr e) noexcept {
  if (is_cancellation(e)) {
    cancelled_ = true;
  } else {
    error_ = std::move(e);
  }
}

void TaskState::finish() noexcept {
  // As in asyncio, a cancellation requested after the task's last suspension
  // still ends it as cancelled.
  if (cancel_pending_ && !error_) {
    cancelled_ = true;
  }
  done_ = true;
  suspended_in_ = nullptr;
  loop_->tasks().remove(*this);
  while (!joiners_.empty()) {
    joiners_.pop_front().notify();
  }
  release();
}

TaskState* current_task() noexcept {
  Loop* loop = Loop::current_or_null();
  return loop != nullptr ? loop->current_task() : nullptr;
}

std::vector<TaskState*> all_tasks() {
  std::vector<TaskState*> out;
  if (Loop* loop = Loop::current_or_null()) {
    loop->tasks().for_each([&](TaskState& t) { out.push_back(&t); });
  }
  return out;
}

void dump_tasks(std::ostream& out) {
  auto tasks = all_tasks();
  out << "brisk: " << tasks.size() << " live task(s)\n";
  for (TaskState* t : tasks) {
    out << "  #" << t->id() << " '" << t->name() << "' spawned at " << site(t->spawned_at()) << ": ";
    if (const Suspension* s = t->suspended_in()) {
      out << "waiting in " << demangle(typeid(*s).name());
    } else if (t == current_task()) {
      out << "running";
    } else {
      out << "ready";
    }
    if (t->cancelling() > 0) {
      out << " (cancelling)";
    }
    out << "\n";
  }
}

namespace detail {

bool JoinWaiter::await_suspend(std::coroutine_handle<> h) {
  if (yielding()) {
    requeue(h);  // the task has finished: nothing to wait for
    return true;
  }
  if (cancellable_) {
    if (!park(h)) {
      return false;
    }
  } else {
    park_shielded(h);
  }
  target_->add_joiner(*this);
  return true;
}

void JoinWaiter::abort() noexcept {
  target_->remove_joiner(*this);
  target_->cancel();
  wake_cancelled();
}

void JoinWaiter::notify() noexcept { wake(); }

void SpawnPromiseBase::FinalAwaiter::await_suspend(std::coroutine_handle<>) noexcept { self->finish(); }

void start_spawned(TaskState& state, std::coroutine_handle<> frame) { state.loop().schedule(&state, frame); }

void note_task_never_awaited(std::coroutine_handle<> h) noexcept {
  Loop* loop = Loop::current_or_null();
  if (loop == nullptr || !loop->debug()) {
    return;
  }
  TaskState* t = loop->current_task();
  char where[64];
  std::snprintf(where, sizeof where, "%p", h.address());
  log(LogLevel::warning, std::string("a Task (frame ") + where + ") was destroyed without ever being awaited" +
                             (t != nullptr ? " in task '" + t->name() + "'" : std::string()));
}

}  // namespace detail
}  // namespace brisk
