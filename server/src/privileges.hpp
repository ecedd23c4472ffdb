#pragma once
// Privileges: the account the daemon becomes once its listeners are bound
// ([server] user and group), as nginx's master drops to its `user`. Binding
// a port below 1024 needs root (or CAP_NET_BIND_SERVICE); serving requests
// does not.
//
// The change is process-wide: glibc applies setgroups/setgid/setuid to every
// thread, so workers already running serve from then on as the new account.
// What was opened before (listeners, log files, plugins) stays open; what is
// opened after (a log file reopened on SIGHUP) must be the new account's.

#include <brisk/config/config.hpp>

#include <sys/types.h>

#include <optional>
#include <string>

namespace brisk::server {

struct Account {
  uid_t uid;
  gid_t gid;
  std::string user;  // as configured, for log lines
};

// server.user/server.group as an account: nullopt when user is "". Throws
// config::ConfigError naming the key when an account does not exist.
std::optional<Account> configured_account(const config::ServerConfig& server);

// Becomes `account`: its supplementary groups, then its group, then its
// user. Throws std::system_error saying which step failed.
void become(const Account& account);

}  // namespace brisk::server
