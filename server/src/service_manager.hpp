#pragma once
// The service manager's notification protocol (systemd's sd_notify, spoken
// directly: one datagram to $NOTIFY_SOCKET, no library): a unit of
// Type=notify learns that the daemon is ready (READY=1 once every worker
// listens), reloading (RELOADING=1 around SIGHUP), stopping (STOPPING=1 when
// a drain begins), and that it is alive (WATCHDOG=1 at half of WatchdogSec).
//
// Started any other way, NOTIFY_SOCKET is unset and every call does nothing.

#include <chrono>
#include <optional>
#include <string_view>

namespace brisk::server::service_manager {

// Sends `state` ("READY=1", "STOPPING=1\nSTATUS=draining", ...); false when
// there is no service manager to tell or it could not be told.
bool notify(std::string_view state) noexcept;

// How often to send WATCHDOG=1: half of WATCHDOG_USEC, when the manager
// asked this process (WATCHDOG_PID unset or ours) for it; nullopt otherwise.
std::optional<std::chrono::milliseconds> watchdog_interval() noexcept;

}  // namespace brisk::server::service_manager
