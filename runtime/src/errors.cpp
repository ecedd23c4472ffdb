#include <brisk/runtime/errors.hpp>
#include <brisk/runtime/log.hpp>

#include <uv.h>

namespace brisk {

UvError::UvError(int code, const std::string& what)
    : std::runtime_error(what + ": " + uv_strerror(code)), code_(code) {}

namespace {
std::string summary(const std::string& message, const std::vector<std::exception_ptr>& exceptions) {
  std::string out = message + " (" + std::to_string(exceptions.size()) + " sub-exception" +
                    (exceptions.size() == 1 ? "" : "s") + ")";
  if (!exceptions.empty()) {
    out += ": " + describe(exceptions.front());
  }
  return out;
}
}  // namespace

ExceptionGroup::ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> exceptions)
    : std::runtime_error(summary(message, exceptions)), exceptions_(std::move(exceptions)) {}

int uv_check(int rc, const char* what) {
  if (rc < 0) {
    throw UvError(rc, what);
  }
  return rc;
}

}  // namespace brisk
