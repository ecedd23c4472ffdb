#pragma once
// brisk::run(main): asyncio.run. Makes this thread's loop, runs `main` as its
// first task until it finishes, cancels whatever tasks are left and waits for
// them, closes every handle, and returns main's result (or rethrows its
// exception). One call per thread at a time; each thread may run its own.

#include <brisk/runtime/loop.hpp>
#include <brisk/runtime/spawn.hpp>
#include <brisk/runtime/task.hpp>

namespace brisk {

template <typename T>
T run(Task<T> main, std::string name = "main") {
  Loop loop;
  auto handle = spawn(std::move(main), std::move(name));
  loop.run_until_done(handle.state());
  loop.shutdown();
  return std::move(handle).result();
}

}  // namespace brisk
