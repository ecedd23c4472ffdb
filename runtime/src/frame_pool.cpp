#include <brisk/runtime/detail/frame_pool.hpp>

#include <array>
#include <new>
#include <utility>

namespace brisk::detail {
namespace {

constexpr std::size_t granule = 16;
constexpr std::size_t largest = 4096;
constexpr std::size_t classes = largest / granule;
constexpr std::size_t max_cached_bytes = std::size_t{1} << 20;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pooled = false;
#else
constexpr bool pooled = true;
#endif

struct FreeFrame {
  FreeFrame* next;
};

class Cache {
 public:
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  ~Cache() {
    for (FreeFrame*& head : heads_) {
      while (head != nullptr) {
        ::operator delete(std::exchange(head, head->next));
      }
    }
  }

  void* take(std::size_t cls) noexcept {
    FreeFrame* f = heads_[cls];
    if (f != nullptr) {
      heads_[cls] = f->next;
      bytes_ -= (cls + 1) * granule;
    }
    return f;
  }

  bool keep(void* frame, std::size_t cls) noexcept {
    std::size_t size = (cls + 1) * granule;
    if (bytes_ + size > max_cached_bytes) {
      return false;
    }
    heads_[cls] = new (frame) FreeFrame{heads_[cls]};
    bytes_ += size;
    return true;
  }

 private:
  std::array<FreeFrame*, classes> heads_{};
  std::size_t bytes_ = 0;
};

thread_local Cache cache;

std::size_t size_class(std::size_t size) noexcept { return (size - 1) / granule; }

}  // namespace

void* allocate_frame(std::size_t size) {
  if (!pooled || size == 0 || size > largest) {
    return ::operator new(size);
  }
  std::size_t cls = size_class(size);
  if (void* f = cache.take(cls)) {
    return f;
  }
  return ::operator new((cls + 1) * granule);
}

void free_frame(void* frame, std::size_t size) noexcept {
  if (!pooled || size == 0 || size > largest || !cache.keep(frame, size_class(size))) {
    ::operator delete(frame);
  }
}

}  // namespace brisk::detail
