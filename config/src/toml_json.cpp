#include "toml_json.hpp"

#include <sstream>
#include <string>

namespace brisk::config::detail {

nlohmann::json to_json(const toml::node& node) {
  if (const auto* table = node.as_table()) {
    auto object = nlohmann::json::object();
    for (const auto& [key, value] : *table) {
      object[std::string(key.str())] = to_json(value);
    }
    return object;
  }
  if (const auto* array = node.as_array()) {
    auto list = nlohmann::json::array();
    for (const auto& element : *array) {
      list.push_back(to_json(element));
    }
    return list;
  }
  if (const auto* s = node.as_string()) {
    return s->get();
  }
  if (const auto* i = node.as_integer()) {
    return i->get();
  }
  if (const auto* f = node.as_floating_point()) {
    return f->get();
  }
  if (const auto* b = node.as_boolean()) {
    return b->get();
  }
  std::ostringstream text;
  node.visit([&](const auto& value) { text << value; });
  return text.str();
}

namespace {

void append(toml::array& array, const nlohmann::json& value);

void insert(toml::table& table, const std::string& key, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      table.insert(key, to_toml(value));
      break;
    case nlohmann::json::value_t::array: {
      toml::array array;
      for (const auto& element : value) {
        append(array, element);
      }
      table.insert(key, std::move(array));
      break;
    }
    case nlohmann::json::value_t::string:
      table.insert(key, value.get<std::string>());
      break;
    case nlohmann::json::value_t::boolean:
      table.insert(key, value.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      table.insert(key, value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      table.insert(key, value.get<double>());
      break;
    default:
      break;
  }
}

void append(toml::array& array, const nlohmann::json& value) {
  // Reuse insert()'s conversion through a one-key table rather than repeat it.
  toml::table holder;
  insert(holder, "v", value);
  if (auto* node = holder.get("v")) {
    node->visit([&](auto& converted) { array.push_back(std::move(converted)); });
  }
}

}  // namespace

toml::table to_toml(const nlohmann::json& object) {
  toml::table table;
  for (const auto& [key, value] : object.items()) {
    insert(table, key, value);
  }
  return table;
}

}  // namespace brisk::config::detail
