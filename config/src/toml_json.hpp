#pragma once
// A plugin's [plugin.<name>] section travels as JSON (what plugins already
// know how to read); these convert it from the parsed file and back for
// describe(). Dates and times have no JSON type and become their TOML text.

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace brisk::config::detail {

nlohmann::json to_json(const toml::node& node);
// `value` must be what to_json() makes: no nulls.
toml::table to_toml(const nlohmann::json& object);

}  // namespace brisk::config::detail
