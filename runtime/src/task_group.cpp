#include <brisk/runtime/log.hpp>
#include <brisk/runtime/task_group.hpp>

namespace brisk {

TaskGroup::~TaskGroup() {
  if (!members_.empty()) {
    log(LogLevel::error, "TaskGroup destroyed with " + std::to_string(members_.size()) +
                             " child task(s) still running: cancelling them (co_await wait() before a group goes)");
    while (!members_.empty()) {
      Member& m = members_.pop_front();
      m.detach();
      m.task()->cancel();
    }
  }
  for (TaskState* t : failed_) {
    t->release();
  }
}

void TaskGroup::check_open() const {
  if (closed_) {
    throw InvalidStateError("TaskGroup::spawn after wait() returned");
  }
  if (aborting_) {
    throw InvalidStateError("TaskGroup::spawn into a group that is shutting down (a child failed or wait() was cancelled)");
  }
}

void TaskGroup::enroll(Member& member, TaskState& child) noexcept {
  member.set_task(child);
  members_.push_back(member);
}

void TaskGroup::Member::leave(const std::exception_ptr& error) noexcept {
  TaskGroup* group = std::exchange(group_, nullptr);
  if (group == nullptr) {
    return;
  }
  group->members_.remove(*this);
  if (error) {
    group->child_failed(*task_, error);
  }
  if (group->members_.empty()) {
    group->idle_.set();
  }
}

void TaskGroup::child_failed(TaskState& child, const std::exception_ptr& error) noexcept {
  child.add_ref();
  failed_.push_back(&child);
  errors_.push_back(error);
  abort();
}

void TaskGroup::abort() noexcept {
  if (aborting_) {
    return;
  }
  aborting_ = true;
  members_.for_each([](Member& m) { m.task()->cancel(); });
  if (body_owner_ != nullptr) {
    owner_cancel_requested_ = true;
    body_owner_->cancel();
  }
}

Task<void> TaskGroup::wait() {
  if (waiting_ || closed_) {
    throw InvalidStateError("TaskGroup::wait awaited twice");
  }
  waiting_ = true;
  co_await finish(nullptr);
}

Task<void> TaskGroup::run(Task<void> body) {
  if (waiting_ || closed_) {
    throw InvalidStateError("TaskGroup::run on a group already waited for");
  }
  waiting_ = true;
  body_owner_ = current_task();
  std::exception_ptr cancelled;
  bool body_failed = false;
  try {
    co_await std::move(body);
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  } catch (...) {
    errors_.push_back(std::current_exception());
    body_failed = true;
  }
  body_owner_ = nullptr;
  // The cancellation a child's failure sent the body is withdrawn here; one
  // that came from elsewhere too stays, and goes on.
  if (owner_cancel_requested_ && current_task()->uncancel() == 0) {
    cancelled = nullptr;
  }
  if (body_failed) {
    abort();
  }
  co_await finish(cancelled);
}

Task<void> TaskGroup::finish(std::exception_ptr cancelled) {
  try {
    while (!cancelled && !members_.empty()) {
      idle_.clear();
      co_await idle_.wait();
    }
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    abort();
  }
  // The children may still reference what the caller's frame keeps alive.
  while (!members_.empty()) {
    idle_.clear();
    co_await idle_.wait_shielded();
  }
  waiting_ = false;
  closed_ = true;
  if (cancelled) {
    std::rethrow_exception(cancelled);
  }
  if (!errors_.empty()) {
    for (TaskState* t : std::exchange(failed_, {})) {
      t->take_error();  // delivered here: not to be logged as lost
      t->release();
    }
    throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors_));
  }
}

}  // namespace brisk
