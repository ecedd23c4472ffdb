#include <brisk/runtime/errors.hpp>

#include <uv.h>

namespace brisk {

UvError::UvError(int code, const std::string& what)
    : std::runtime_error(what + ": " + uv_strerror(code)), code_(code) {}

int uv_check(int rc, const char* what) {
  if (rc < 0) {
    throw UvError(rc, what);
  }
  return rc;
}

}  // namespace brisk
