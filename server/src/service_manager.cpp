#include "service_manager.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace brisk::server::service_manager {

bool notify(std::string_view state) noexcept {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || (path[0] != '/' && path[0] != '@')) {
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::size_t length = std::strlen(path);
  if (length >= sizeof addr.sun_path) {
    return false;
  }
  std::memcpy(addr.sun_path, path, length);
  if (addr.sun_path[0] == '@') {
    addr.sun_path[0] = '\0';  // an abstract socket
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const bool sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr),
                             size) == static_cast<ssize_t>(state.size());
  ::close(fd);
  return sent;
}

std::optional<std::chrono::milliseconds> watchdog_interval() noexcept {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr) {
    return std::nullopt;
  }
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::atol(pid) != ::getpid()) {
    return std::nullopt;
  }
  const long long us = std::atoll(usec);
  if (us <= 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(std::max(1LL, us / 2000));
}

}  // namespace brisk::server::service_manager
