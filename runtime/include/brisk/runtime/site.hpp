#pragma once
// Site: where in the source something happened (a task was spawned). Like
// Site, which clang 14 with libstdc++ 12 cannot provide; the
// builtins it uses exist in both GCC and clang. As a defaulted parameter it
// records the caller's position.

namespace brisk {

struct Site {
  Site(const char* file_name = __builtin_FILE(), unsigned line_number = __builtin_LINE(),
       const char* function_name = __builtin_FUNCTION()) noexcept
      : file(file_name), line(line_number), function(function_name) {}

  const char* file;
  unsigned line;
  const char* function;
};

}  // namespace brisk
