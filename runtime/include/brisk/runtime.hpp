#pragma once
// The whole brisk runtime in one include. Each header below is one concept
// and documents its own guarantees and lifetimes.

#include <brisk/runtime/as_completed.hpp>
#include <brisk/runtime/barrier.hpp>
#include <brisk/runtime/condition.hpp>
#include <brisk/runtime/coop.hpp>
#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/event.hpp>
#include <brisk/runtime/future.hpp>
#include <brisk/runtime/gather.hpp>
#include <brisk/runtime/generator.hpp>
#include <brisk/runtime/lifo_queue.hpp>
#include <brisk/runtime/lock.hpp>
#include <brisk/runtime/log.hpp>
#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/on_suspend.hpp>
#include <brisk/runtime/outcome.hpp>
#include <brisk/runtime/priority_queue.hpp>
#include <brisk/runtime/queue.hpp>
#include <brisk/runtime/run.hpp>
#include <brisk/runtime/semaphore.hpp>
#include <brisk/runtime/shared_semaphore.hpp>
#include <brisk/runtime/shield.hpp>
#include <brisk/runtime/signal.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>
#include <brisk/runtime/task_group.hpp>
#include <brisk/runtime/task_state.hpp>
#include <brisk/runtime/tcp.hpp>
#include <brisk/runtime/thread_event.hpp>
#include <brisk/runtime/thread_pool.hpp>
#include <brisk/runtime/timeout.hpp>
#include <brisk/runtime/timer.hpp>
#include <brisk/runtime/wait.hpp>
#include <brisk/runtime/when_any.hpp>
