#pragma once
// The exceptions the runtime raises, named after their asyncio counterparts.

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace brisk {

// Thrown out of an await when the task it runs in was cancelled
// (asyncio.CancelledError). Catch it only to clean up, then rethrow: a task
// that swallows it keeps running, as in asyncio.
class CancelledError : public std::exception {
 public:
  const char* what() const noexcept override { return "task was cancelled"; }
};

// wait_for() or a Timeout ran out (asyncio.TimeoutError).
class TimeoutError : public std::runtime_error {
 public:
  TimeoutError() : std::runtime_error("timed out") {}
};

// An operation used at the wrong time: awaiting an empty Task, running a
// runtime on a thread that already has one (asyncio.InvalidStateError).
class InvalidStateError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// A bounded resource is full and the caller asked not to wait
// (Queue::try_put, a full to_thread queue). Servers map it to 503.
class OverloadedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Several errors at once (Python's ExceptionGroup): what a TaskGroup raises
// when its children (or its body) failed. exceptions() lists every one, in
// the order they happened; what() names the first.
class ExceptionGroup : public std::runtime_error {
 public:
  ExceptionGroup(const std::string& message, std::vector<std::exception_ptr> exceptions);
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }

 private:
  std::vector<std::exception_ptr> exceptions_;
};

// A libuv call failed; code() is the negative UV_E* value.
class UvError : public std::runtime_error {
 public:
  UvError(int code, const std::string& what);
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// Throws UvError when rc < 0; returns rc otherwise.
int uv_check(int rc, const char* what);

}  // namespace brisk
