// brisk: the daemon. The command line and configuration are config/'s; the
// rest is run_daemon(), or check_daemon() for --check-config.

#include <brisk/config/command_line.hpp>
#include <brisk/server/daemon.hpp>

#include <iostream>
#include <variant>

int main(int argc, char** argv) {
  auto command = brisk::config::parse_command_line(argc, argv);
  if (auto* exit = std::get_if<brisk::config::ExitRequest>(&command)) {
    (exit->code == 0 ? std::cout : std::cerr) << exit->message << (exit->message.ends_with('\n') ? "" : "\n");
    return exit->code;
  }
  auto& invocation = std::get<brisk::config::Invocation>(command);
  if (invocation.check_only) {
    return brisk::server::check_daemon(invocation.config);
  }
  return brisk::server::run_daemon(invocation.config);
}
