#include <brisk/runtime/timeout.hpp>

namespace brisk {

Timeout::Timeout(Duration d) : loop_(&Loop::current()), deadline_(from_now(d)) {}

std::uint64_t Timeout::from_now(Duration d) const noexcept {
  return loop_->deadline_after(d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0);
}

void Timeout::reschedule_in(Duration d) {
  if (active_ != nullptr && active_->fired()) {
    throw InvalidStateError("Timeout::reschedule after the deadline of the run in progress fired");
  }
  deadline_ = from_now(d);
  expired_ = false;
  if (active_ != nullptr) {
    active_->restart();
  }
}

Timeout::Arm::Arm(Timeout& owner)
    : owner_(&owner), task_(current_task()), timer_(&Arm::fire, this) {
  if (task_ == nullptr) {
    throw InvalidStateError("Timeout::run awaited outside a task");
  }
  cancelling_at_entry_ = task_->cancelling();
  if (owner_->active_ != nullptr) {
    throw InvalidStateError("Timeout::run while another run of the same Timeout is in progress");
  }
  restart();
  owner_->active_ = this;
}

Timeout::Arm::~Arm() {
  disarm();
  owner_->active_ = nullptr;
}

void Timeout::Arm::restart() { timer_.start_at(*owner_->loop_, owner_->deadline_); }

void Timeout::Arm::fire(void* self) noexcept {
  auto* arm = static_cast<Arm*>(self);
  arm->fired_ = true;
  arm->task_->cancel();
}

bool Timeout::Arm::disarm() noexcept {
  if (std::exchange(disarmed_, true)) {
    return false;
  }
  timer_.stop();
  if (!fired_) {
    return false;
  }
  owner_->expired_ = true;
  return task_->uncancel() <= cancelling_at_entry_;
}

}  // namespace brisk
