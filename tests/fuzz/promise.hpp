#pragma once
// A fuzz target's checks. A promise the code under test breaks aborts with the
// promise on stderr, so that libFuzzer, or the replay test, reports the input
// that broke it.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace brisk::fuzz {

[[noreturn]] inline void broken(std::string_view promise) {
  std::fprintf(stderr, "broken promise: %.*s\n", static_cast<int>(promise.size()), promise.data());
  std::abort();
}

inline void expect(bool holds, std::string_view promise) {
  if (!holds) {
    broken(promise);
  }
}

}  // namespace brisk::fuzz
