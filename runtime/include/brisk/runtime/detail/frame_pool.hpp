#pragma once
// Where coroutine frames come from: Task, spawn and Generator frames are
// allocated per await, so a server makes and frees several per request.
// Many are larger than glibc's per-thread cache takes (1,032 bytes), which
// sends them through malloc's slow path (consolidation, locks) every time.
// Each thread keeps the frames it frees, by size in 16-byte classes up to
// 4 KiB and 1 MiB in all, and hands them out again. A frame may be freed on
// another thread than the one that made it: it simply joins that thread's
// cache. Under AddressSanitizer frames go straight to the allocator, so a
// use after free is still caught.

#include <cstddef>

namespace brisk::detail {

void* allocate_frame(std::size_t size);
void free_frame(void* frame, std::size_t size) noexcept;

}  // namespace brisk::detail
