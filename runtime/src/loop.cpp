#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/on_suspend.hpp>
#include <brisk/runtime/task_state.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>

namespace brisk {
namespace {

thread_local Loop* this_thread_loop = nullptr;

bool debug_requested() {
  const char* v = std::getenv("BRISK_DEBUG");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

template <typename H>
uv_handle_t* as_handle(H* h) noexcept {
  return reinterpret_cast<uv_handle_t*>(h);
}

// A write to a socket whose peer has gone raises SIGPIPE, and its default
// action ends the process: one client that hangs up would take every other
// down with it. libuv leaves this to its user. Like Python and Node, the
// runtime ignores SIGPIPE, unless the program has a handler of its own, so
// the write fails with EPIPE and only that stream ends.
void ignore_sigpipe() noexcept {
  static const bool done = [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
    return true;
  }();
  static_cast<void>(done);
}

}  // namespace

__thread int coop::detail::left = coop::detail::outside_task;

void coop::requeue(std::coroutine_handle<> h) {
  Loop& loop = Loop::current();
  loop.schedule(loop.current_task(), h);
}

Loop::Loop() {
  if (this_thread_loop != nullptr) {
    throw InvalidStateError("brisk: this thread already runs a loop");
  }
  ignore_sigpipe();
  uv_check(uv_loop_init(&uv_), "uv_loop_init");
  uv_.data = this;
  uv_timer_init(&uv_, &timer_);
  timer_.data = this;
  uv_async_init(&uv_, &wakeup_, [](uv_async_t* a) { static_cast<Loop*>(a->data)->drain_inbox(); });
  wakeup_.data = this;
  uv_unref(as_handle(&wakeup_));
  ready_.reserve(256);
  running_.reserve(256);
  debug_ = debug_requested();
  if (debug_) {
    install_debug_signal();
  }
  this_thread_loop = this;
}

Loop::~Loop() {
  if (!closed_) {
    shutdown();
  }
  this_thread_loop = nullptr;
}

Loop& Loop::current() {
  if (this_thread_loop == nullptr) {
    throw InvalidStateError("brisk: no loop runs on this thread (start one with brisk::run)");
  }
  return *this_thread_loop;
}

Loop* Loop::current_or_null() noexcept { return this_thread_loop; }

namespace {

// A primitive that belongs to one loop (Semaphore, Lock, Event, Queue...)
// used from two threads ends here: a release on one thread waking a task of
// another's loop. Carrying on would corrupt both loops' queues and crash
// later somewhere unrelated; stopping now names the task and the mistake.
[[noreturn]] void scheduled_from_another_thread(const TaskState* task) noexcept {
  const std::string name = task != nullptr ? task->name() : std::string("?");
  std::fprintf(stderr,
               "brisk: task '%s' of one thread's loop was woken from another thread. Semaphore, Lock, Event, "
               "Condition, Queue and Future belong to the loop they are used on: keep one per worker "
               "(PluginContext::per_worker) or use SharedSemaphore for a limit over the whole process.\n",
               name.c_str());
  std::abort();
}

}  // namespace

void Loop::schedule(TaskState* task, std::coroutine_handle<> h) {
  if (this != this_thread_loop) [[unlikely]] {
    scheduled_from_another_thread(task);
  }
  ready_.push_back(Ready{task, h});
  // Inside uv_run, a callback that ran before the poll phase (a timer already
  // due, a deferred write callback) made a task ready; libuv 1.44 would then
  // still poll until the next timer, or forever while any handle is active.
  // uv_stop makes that poll return at once.
  if (in_uv_run_) {
    uv_stop(&uv_);
  }
}

void Loop::resume_now(TaskState* task, std::coroutine_handle<> h) noexcept { resume(Ready{task, h}); }

void Loop::resume(const Ready& r) noexcept {
  TaskState* previous = std::exchange(current_, r.task);
  // Every await runs inside some resumption, so the budget is refilled
  // here and never needs restoring after.
  coop::detail::left = coop::budget;
  if (!debug_) {
    r.handle.resume();
  } else {
    // The task may finish and be freed inside resume(): keep what the
    // warning needs beforehand.
    std::string name = r.task->name();
    auto where = r.task->spawned_at();
    auto start = std::chrono::steady_clock::now();
    r.handle.resume();
    auto took = std::chrono::steady_clock::now() - start;
    if (took > slow_callback_threshold) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
      log(LogLevel::warning, "slow callback: task '" + name + "' (spawned at " + where.file + ":" +
                                 std::to_string(where.line) + ") ran " + std::to_string(ms) +
                                 " ms without yielding to the loop");
    }
  }
  if (on_suspend_ != nullptr && on_suspend_->task() == r.task) {
    std::exchange(on_suspend_, nullptr)->fire();
  }
  current_ = previous;
}

void Loop::run_ready() {
  running_.swap(ready_);
  for (const Ready& r : running_) {
    resume(r);
  }
  running_.clear();
}

void Loop::add_timer(TimerNode& n) {
  timers_.push(n);
  // Inside uv_run, a callback (another timer's, typically) started a timer
  // earlier than the one libuv waits for, or none is armed: libuv would poll
  // past it, until some other event. uv_stop ends this turn instead, and the
  // next one arms the new deadline.
  if (in_uv_run_ && (!timer_armed_ || n.deadline() < armed_deadline_)) {
    uv_stop(&uv_);
  }
}

void Loop::remove_timer(TimerNode& n) noexcept { timers_.remove(n); }

void Loop::arm_timer() noexcept {
  if (timers_.empty()) {
    if (timer_armed_) {
      uv_timer_stop(&timer_);
      timer_armed_ = false;
    }
    return;
  }
  std::uint64_t deadline = timers_.top().deadline();
  if (timer_armed_ && deadline == armed_deadline_) {
    return;
  }
  std::uint64_t now = uv_now(&uv_);  // what libuv counts the delay from
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<Loop*>(t->data)->fire_timers(); },
      deadline > now ? deadline - now : 0, 0);
  armed_deadline_ = deadline;
  timer_armed_ = true;
}

void Loop::fire_timers() noexcept {
  timer_armed_ = false;
  std::uint64_t now = uv_now(&uv_);  // this turn's time: libuv has just updated it
  // A timer started by one of these callbacks is not fired in this pass,
  // however soon it is due (as libuv does with its own): one restarted with
  // no delay from its own callback would otherwise keep the pass going for
  // ever. add_timer() has stopped the turn, so the next one arms it. It sorts
  // after every timer due before the pass, so the first such one ends it.
  const std::uint32_t started_in_pass = timers_.next_seq();
  while (!timers_.empty() && timers_.top().deadline() <= now &&
         static_cast<std::int32_t>(timers_.top().seq_ - started_in_pass) < 0) {
    TimerNode& n = timers_.top();
    timers_.remove(n);
    n.on_fire_(n.context_);
  }
}

void Loop::expect_post() noexcept {
  if (expected_posts_++ == 0) {
    uv_ref(as_handle(&wakeup_));
  }
}

void Loop::post_threadsafe(TaskState* task, std::coroutine_handle<> h) {
  if (this_thread_loop == this) {
    // From the loop's own thread (a permit released on the same worker, a
    // job withdrawn by abort()): the ready queue, without a wakeup.
    schedule(task, h);
    posts_arrived(1);
    return;
  }
  // Send while holding the lock: once another wakeup has drained this post,
  // the loop may close and free wakeup_, so it must not be touched after.
  std::lock_guard lock(inbox_mutex_);
  inbox_.push_back(Ready{task, h});
  uv_async_send(&wakeup_);
}

void Loop::drain_inbox() {
  std::vector<Ready> arrived;
  {
    std::lock_guard lock(inbox_mutex_);
    arrived.swap(inbox_);
  }
  for (const Ready& r : arrived) {
    schedule(r.task, r.handle);
  }
  posts_arrived(arrived.size());
}

void Loop::posts_arrived(std::size_t n) noexcept {
  expected_posts_ -= n;
  if (expected_posts_ == 0) {
    uv_unref(as_handle(&wakeup_));
  }
}

bool Loop::turn() {
  arm_timer();
  in_uv_run_ = true;
  bool alive = uv_run(&uv_, ready_.empty() ? UV_RUN_ONCE : UV_RUN_NOWAIT) != 0;
  in_uv_run_ = false;
  // A timer started inside this turn is not armed in libuv yet, and keeps
  // the loop alive all the same.
  return alive || !ready_.empty() || !timers_.empty();
}

void Loop::run_until_done(const TaskState& task) {
  for (;;) {
    run_ready();
    if (task.done()) {
      return;
    }
    // A libuv callback may have resumed the task to its end inline.
    if (!turn() && !task.done()) {
      throw InvalidStateError("brisk: deadlock: task '" + task.name() +
                              "' waits for something that no handle, timer or thread can deliver");
    }
  }
}

void Loop::at_shutdown(std::function<void()> close) {
  if (closing_handles_) {
    close();  // too late to queue: the handles are being closed now
    return;
  }
  at_shutdown_.push_back(std::move(close));
}

void Loop::shutdown() {
  tasks_.for_each([](TaskState& t) { t.cancel(); });
  int stuck = 0;
  for (;;) {
    run_ready();
    if (tasks_.empty()) {
      break;
    }
    if (turn()) {
      continue;
    }
    // Every task left caught its cancellation and waits for something that
    // cannot come. Ask again a few times, as asyncio would once, then give up
    // on them rather than hang the process.
    if (++stuck > 3) {
      log(LogLevel::error, "brisk: " + std::to_string(tasks_.size()) +
                               " task(s) ignored cancellation at shutdown and were abandoned");
      break;
    }
    tasks_.for_each([](TaskState& t) { t.cancel(); });
  }

  closing_handles_ = true;
  for (auto& close : std::exchange(at_shutdown_, {})) {
    close();
  }
  uv_close(as_handle(&timer_), nullptr);
  uv_close(as_handle(&wakeup_), nullptr);
  if (debug_) {
    uv_close(as_handle(&dump_signal_), nullptr);
  }
  uv_walk(
      &uv_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) {
          log(LogLevel::warning, std::string("brisk: a ") + uv_handle_type_name(uv_handle_get_type(h)) +
                                     " handle was still open at loop shutdown; closing it");
          uv_close(h, nullptr);
        }
      },
      nullptr);
  uv_run(&uv_, UV_RUN_DEFAULT);
  if (uv_loop_close(&uv_) != 0) {
    log(LogLevel::error, "brisk: the libuv loop could not be closed (requests still pending)");
  }
  closed_ = true;
}

void Loop::install_debug_signal() {
  uv_signal_init(&uv_, &dump_signal_);
  uv_signal_start(
      &dump_signal_, [](uv_signal_t*, int) { dump_tasks(std::cerr); }, SIGUSR1);
  uv_unref(as_handle(&dump_signal_));
}

}  // namespace brisk
