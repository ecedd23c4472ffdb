#include "privileges.hpp"

#include <brisk/config/error.hpp>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <system_error>
#include <vector>

namespace brisk::server {
namespace {

// A numeric id, or nullopt for a name.
template <typename Id>
std::optional<Id> numeric(const std::string& text) {
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return static_cast<Id>(value);
}

[[noreturn]] void no_such(const char* key, const std::string& value, const char* what) {
  throw config::ConfigError(std::string(key) + " = \"" + value + "\": expected " + what + " on this system", key);
}

}  // namespace

std::optional<Account> configured_account(const config::ServerConfig& server) {
  if (server.user.empty()) {
    if (!server.group.empty()) {
      throw config::ConfigError("server.group = \"" + server.group + "\": expected server.user to be set too",
                                "server.group");
    }
    return std::nullopt;
  }
  Account account{0, 0, server.user};
  if (auto uid = numeric<uid_t>(server.user)) {
    const passwd* pw = ::getpwuid(*uid);
    account.uid = *uid;
    account.gid = pw != nullptr ? pw->pw_gid : static_cast<gid_t>(*uid);
  } else if (const passwd* pw = ::getpwnam(server.user.c_str())) {
    account.uid = pw->pw_uid;
    account.gid = pw->pw_gid;
  } else {
    no_such("server.user", server.user, "an existing user");
  }
  if (!server.group.empty()) {
    if (auto gid = numeric<gid_t>(server.group)) {
      account.gid = *gid;
    } else if (const group* gr = ::getgrnam(server.group.c_str())) {
      account.gid = gr->gr_gid;
    } else {
      no_such("server.group", server.group, "an existing group");
    }
  }
  return account;
}

void become(const Account& account) {
  // Supplementary groups first, while still allowed to set them: the
  // account's own (initgroups) when it has a name, else none but its group.
  const passwd* pw = ::getpwuid(account.uid);
  const int groups = pw != nullptr ? ::initgroups(pw->pw_name, account.gid) : ::setgroups(1, &account.gid);
  if (groups != 0) {
    throw std::system_error(errno, std::generic_category(), "setgroups for user " + account.user);
  }
  if (::setgid(account.gid) != 0) {
    throw std::system_error(errno, std::generic_category(), "setgid " + std::to_string(account.gid));
  }
  if (::setuid(account.uid) != 0) {
    throw std::system_error(errno, std::generic_category(), "setuid " + std::to_string(account.uid));
  }
  // Root could take it all back otherwise.
  if (account.uid != 0 && ::setuid(0) == 0) {
    throw std::system_error(EPERM, std::generic_category(), "root privileges still recoverable after setuid");
  }
}

}  // namespace brisk::server
