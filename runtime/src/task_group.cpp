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
  if (failed_ != nullptr) {
    failed_->release();
  }
}

void TaskGroup::check_open() const {
  if (closed_) {
    throw InvalidStateError("TaskGroup::spawn after wait() returned");
  }
  if (failed_ != nullptr || aborting_) {
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
  if (failed_ != nullptr) {
    return;  // not retrieved by the group: the runtime logs it unless its handle is awaited
  }
  failed_ = &child;
  child.add_ref();
  first_error_ = error;
  cancel_children();
}

void TaskGroup::cancel_children() noexcept {
  members_.for_each([](Member& m) { m.task()->cancel(); });
}

Task<void> TaskGroup::wait() {
  if (waiting_ || closed_) {
    throw InvalidStateError("TaskGroup::wait awaited twice");
  }
  waiting_ = true;
  std::exception_ptr cancelled;
  try {
    while (!members_.empty()) {
      idle_.clear();
      co_await idle_.wait();
    }
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
    aborting_ = true;
    cancel_children();
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
  if (failed_ != nullptr) {
    failed_->take_error();  // delivered here: not to be logged as lost
    std::rethrow_exception(first_error_);
  }
}

}  // namespace brisk
