#pragma once
// The effective configuration as TOML text (what --check-config prints).
//
// Every key is written, in the order of config/brisk.toml, so the output is a
// complete config file: loading it gives back an equal Config.

#include <brisk/config/config.hpp>

#include <string>

namespace brisk::config {

std::string describe(const Config& config);

}  // namespace brisk::config
