#include <brisk/config/loader.hpp>

#include "schema.hpp"
#include "toml_json.hpp"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>



namespace brisk::config {

using detail::Input;
using detail::Range;

namespace {

using Origins = std::map<std::string, std::string, std::less<>>;
// Where a dotted key's value came from ("" when unknown).
using OriginOf = std::function<std::string_view(std::string_view key)>;

// Sections that only a file can set: lists of tables.
constexpr std::array<std::string_view, 3> list_sections{"routes", "plugins", "plugin"};

constexpr Range concurrency_range{1, 1'000'000};
constexpr Range wait_range{0, 24 * 3600 * 1000, "a number of milliseconds"};
// A plugin's name is a bare key, so that its [plugin.<name>] section can be written.
constexpr std::string_view plugin_name_expected = "a name of letters, digits, '_' and '-'";
constexpr std::string_view plugin_path_expected = "the path of a shared library";

bool is_plugin_path(std::string_view path) { return !path.empty() && path.find('\0') == std::string_view::npos; }

std::string indexed(std::string_view list, std::size_t index, std::string_view key) {
  return std::string(list) + "[" + std::to_string(index) + "]." + std::string(key);
}

// The checks no single key can make, shared by Loader::finish() and validate().
void check_config(const Config& config, const OriginOf& origin_of) {
  for (const auto& field : detail::fields()) {
    field.check(config, origin_of(field.dotted));
  }

  const auto& limits = config.limits;
  if (limits.max_uri_bytes > limits.max_header_bytes) {
    detail::fail(origin_of("limits.max_uri_bytes"), "limits.max_uri_bytes", std::to_string(limits.max_uri_bytes),
                 "at most limits.max_header_bytes (" + std::to_string(limits.max_header_bytes) +
                     "): the request line is part of the head");
  }
  if (config.server.workers && limits.max_connections < *config.server.workers) {
    detail::fail(origin_of("limits.max_connections"), "limits.max_connections",
                 std::to_string(limits.max_connections),
                 "at least server.workers (" + std::to_string(*config.server.workers) +
                     "): it is split across the workers");
  }
  if (config.metrics.enabled && config.metrics.path == config.health.path) {
    detail::fail(origin_of("metrics.path"), "metrics.path", detail::quote(config.metrics.path),
                 "a path other than health.path");
  }

  const auto& routes = config.routes.limit;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& route = routes[i];
    const std::string path_key = indexed("routes.limit", i, "path");
    if (!detail::is_url_path(route.path)) {
      detail::fail(origin_of(path_key), path_key, detail::quote(route.path), detail::url_path_expected);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (routes[j].path == route.path) {
        detail::fail(origin_of(path_key), path_key, detail::quote(route.path),
                     "a path not already limited by routes.limit[" + std::to_string(j) + "]");
      }
    }
    if (!concurrency_range.contains(route.concurrency)) {
      const std::string key = indexed("routes.limit", i, "concurrency");
      detail::fail(origin_of(key), key, std::to_string(route.concurrency), concurrency_range.expected());
    }
    if (!wait_range.contains(route.wait_ms.count())) {
      const std::string key = indexed("routes.limit", i, "wait_ms");
      detail::fail(origin_of(key), key, std::to_string(route.wait_ms.count()), wait_range.expected());
    }
  }

  const auto& plugins = config.plugins.load;
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const auto& plugin = plugins[i];
    const std::string name_key = indexed("plugins.load", i, "name");
    if (!detail::is_bare_key(plugin.name)) {
      detail::fail(origin_of(name_key), name_key, detail::quote(plugin.name), plugin_name_expected);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (plugins[j].name == plugin.name) {
        detail::fail(origin_of(name_key), name_key, detail::quote(plugin.name),
                     "a name not already used by plugins.load[" + std::to_string(j) + "]");
      }
    }
    if (!is_plugin_path(plugin.path)) {
      const std::string key = indexed("plugins.load", i, "path");
      detail::fail(origin_of(key), key, detail::quote(plugin.path), plugin_path_expected);
    }
  }
}

// Applies one parsed TOML document to a Config.
class Document {
 public:
  Document(Config& config, Origins& origins, std::string_view source)
      : config_(config), origins_(origins), source_(source) {}

  void apply(const toml::table& root) {
    const toml::table* plugin_sections = nullptr;
    for (const auto& [key, node] : root) {
      const std::string_view name = key.str();
      const auto& sections = detail::scalar_sections();
      if (std::find(sections.begin(), sections.end(), name) != sections.end()) {
        apply_section(name, node);
      } else if (name == "routes") {
        apply_routes(node);
      } else if (name == "plugins") {
        apply_plugins(node);
      } else if (name == "plugin") {
        plugin_sections = table_of(name, node, "a table of [plugin.<name>] sections");
      } else {
        unknown(key, detail::key_text(name), top_level_suggestion(name));
      }
    }
    // After the loop: [plugin.x] may come before the [[plugins.load]] naming x.
    if (plugin_sections != nullptr) {
      apply_plugin_sections(*plugin_sections);
    }
  }

 private:
  std::string at(const toml::source_region& where) const {
    return std::string(source_) + ":" + std::to_string(where.begin.line);
  }

  [[noreturn]] void unknown(const toml::key& key, std::string_view dotted,
                            const std::optional<std::string>& suggestion) const {
    detail::fail_unknown(at(key.source()), dotted, suggestion);
  }

  const toml::table* table_of(std::string_view dotted, const toml::node& node, std::string_view expected) const {
    const auto* table = node.as_table();
    if (table == nullptr) {
      Input{dotted, at(node.source()), &node, {}}.fail(expected);
    }
    return table;
  }

  static std::optional<std::string> top_level_suggestion(std::string_view name) {
    // A key of some section written above every [section] header.
    if (auto misplaced = detail::suggest_key("", name)) {
      return misplaced;
    }
    std::vector<std::string> names(detail::scalar_sections().begin(), detail::scalar_sections().end());
    names.insert(names.end(), list_sections.begin(), list_sections.end());
    return detail::nearest(name, names);
  }

  void apply_section(std::string_view section, const toml::node& node) {
    const auto* table = table_of(section, node, "a table ([" + std::string(section) + "])");
    for (const auto& [key, value] : *table) {
      const std::string dotted = child_key(section, key.str());
      const auto* field = detail::find_field(section, key.str());
      if (field == nullptr) {
        unknown(key, dotted, detail::suggest_key(section, key.str()));
      }
      const std::string where = at(value.source());
      field->assign(config_, Input{dotted, where, &value, {}});
      origins_[dotted] = where;
    }
  }

  // The entries of `[[list]]`, a TOML array of tables, each checked for keys
  // other than `allowed`.
  std::vector<const toml::table*> entries(std::string_view list, const toml::node& node,
                                          std::initializer_list<std::string_view> allowed) const {
    const auto* array = node.as_array();
    const std::string expected = "an array of tables ([[" + std::string(list) + "]])";
    if (array == nullptr) {
      Input{list, at(node.source()), &node, {}}.fail(expected);
    }
    std::vector<const toml::table*> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto& element = *array->get(i);
      const std::string name = std::string(list) + "[" + std::to_string(i) + "]";
      const auto* table = table_of(name, element, expected);
      for (const auto& [key, value] : *table) {
        if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
          const std::vector<std::string> candidates(allowed.begin(), allowed.end());
          unknown(key, child_key(name, key.str()), detail::nearest(key.str(), candidates));
        }
      }
      out.push_back(table);
    }
    return out;
  }

  // The entry's `key`, which must be there. The Input borrows `dotted`.
  Input required(const toml::table& entry, std::string_view key, const std::string& dotted) {
    const auto* node = entry.get(key);
    if (node == nullptr) {
      throw ConfigError(at(entry.source()) + ": " + dotted + " is missing", dotted);
    }
    const std::string& where = origins_[dotted] = at(node->source());
    return Input{dotted, where, node, {}};
  }

  void only_key(const toml::table& table, std::string_view section, std::string_view allowed) const {
    for (const auto& [key, value] : table) {
      if (key.str() != allowed) {
        const std::string candidate(allowed);
        unknown(key, child_key(section, key.str()), detail::nearest(key.str(), {candidate}));
      }
    }
  }

  void apply_routes(const toml::node& node) {
    const auto* routes = table_of("routes", node, "a table ([[routes.limit]] entries)");
    only_key(*routes, "routes", "limit");
    const auto* list = routes->get("limit");
    if (list == nullptr) {
      return;
    }
    std::vector<RouteLimit> limits;
    for (const auto* entry : entries("routes.limit", *list, {"path", "concurrency", "wait_ms"})) {
      const std::size_t i = limits.size();
      const std::string path_key = indexed("routes.limit", i, "path");
      const std::string concurrency_key = indexed("routes.limit", i, "concurrency");
      const std::string wait_key = indexed("routes.limit", i, "wait_ms");
      RouteLimit limit;
      const Input path = required(*entry, "path", path_key);
      limit.path = path.string(detail::url_path_expected);
      if (!detail::is_url_path(limit.path)) {
        path.fail(detail::url_path_expected);
      }
      limit.concurrency =
          static_cast<std::size_t>(required(*entry, "concurrency", concurrency_key).integer(concurrency_range));
      if (entry->contains("wait_ms")) {
        limit.wait_ms = milliseconds{required(*entry, "wait_ms", wait_key).integer(wait_range)};
      }
      limits.push_back(std::move(limit));
    }
    config_.routes.limit = std::move(limits);
  }

  void apply_plugins(const toml::node& node) {
    const auto* plugins = table_of("plugins", node, "a table ([[plugins.load]] entries)");
    only_key(*plugins, "plugins", "load");
    const auto* list = plugins->get("load");
    if (list == nullptr) {
      return;
    }
    std::vector<PluginSpec> specs;
    for (const auto* entry : entries("plugins.load", *list, {"path", "name"})) {
      const std::size_t i = specs.size();
      const std::string path_key = indexed("plugins.load", i, "path");
      const std::string name_key = indexed("plugins.load", i, "name");
      PluginSpec spec;
      const Input path = required(*entry, "path", path_key);
      spec.path = path.string(plugin_path_expected);
      if (!is_plugin_path(spec.path)) {
        path.fail(plugin_path_expected);
      }
      const Input name = required(*entry, "name", name_key);
      spec.name = name.string(plugin_name_expected);
      if (!detail::is_bare_key(spec.name)) {
        name.fail(plugin_name_expected);
      }
      specs.push_back(std::move(spec));
    }
    config_.plugins.load = std::move(specs);
  }

  void apply_plugin_sections(const toml::table& sections) {
    std::vector<std::string> names;
    for (const auto& spec : config_.plugins.load) {
      names.push_back(spec.name);
    }
    for (const auto& [key, value] : sections) {
      const std::string dotted = child_key("plugin", key.str());
      const auto* section = table_of(dotted, value, "a table ([" + dotted + "])");
      const std::string_view name = key.str();  // clang 14 cannot capture a structured binding
      const auto spec = std::find_if(config_.plugins.load.begin(), config_.plugins.load.end(),
                                     [name](const PluginSpec& s) { return s.name == name; });
      if (spec == config_.plugins.load.end()) {
        std::string message = at(key.source()) + ": " + dotted + ": no [[plugins.load]] entry is named " +
                              detail::quote(key.str());
        if (auto near = detail::nearest(key.str(), names)) {
          message += " (did you mean plugin." + *near + "?)";
        }
        throw ConfigError(message, dotted);
      }
      spec->settings = detail::to_json(*section);
    }
  }

  Config& config_;
  Origins& origins_;
  std::string_view source_;
};

std::string env_name(std::string_view dotted) {
  std::string name = "BRISK_";
  for (char c : dotted) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace

Environment environment_from(const char* const* envp) {
  Environment env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view entry = *envp;
    const auto equals = entry.find('=');
    if (entry.starts_with("BRISK_") && equals != std::string_view::npos) {
      env.emplace(entry.substr(0, equals), entry.substr(equals + 1));
    }
  }
  return env;
}

Environment process_environment() { return environment_from(environ); }

void Loader::load_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("cannot read config file " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError("cannot read config file " + path.string() + ": " + std::strerror(errno));
  }
  load_toml(text.str(), path.string());
}

void Loader::load_toml(std::string_view text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw ConfigError(std::string(source_name) + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) +
                      ": " + detail::visible(e.description()));  // toml++ quotes the bytes it saw
  }
  Document(config_, origins_, source_name).apply(root);
}

void Loader::load_environment(const Environment& env) {
  for (const auto& [name, value] : env) {
    if (!name.starts_with("BRISK_")) {
      continue;
    }
    const std::string_view rest = std::string_view(name).substr(6);
    if (std::any_of(rest.begin(), rest.end(), [](unsigned char c) { return std::islower(c); })) {
      continue;
    }
    std::string lowered(rest);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto split = lowered.find('_');
    const std::string section = lowered.substr(0, split);
    const std::string key = split == std::string::npos ? std::string() : lowered.substr(split + 1);
    const auto& sections = detail::scalar_sections();
    if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
      if (std::find(list_sections.begin(), list_sections.end(), section) != list_sections.end()) {
        throw ConfigError(name + ": [" + section + "] can only be set in the config file", section);
      }
      continue;
    }
    const std::string dotted = key.empty() ? section : child_key(section, key);
    const auto* field = detail::find_field(section, key);
    if (field == nullptr) {
      auto suggestion = detail::suggest_key(section, key);
      if (suggestion) {
        suggestion = env_name(*suggestion);
      }
      detail::fail_unknown(detail::visible(name), dotted, suggestion);
    }
    field->assign(config_, Input{dotted, name, nullptr, value});
    origins_[dotted] = name;
  }
}

void Loader::set(std::string_view key, std::string_view value, std::string_view origin) {
  const auto dot = key.find('.');
  const auto* field =
      dot == std::string_view::npos ? nullptr : detail::find_field(key.substr(0, dot), key.substr(dot + 1));
  if (field == nullptr) {
    detail::fail_unknown(origin, key, std::nullopt);
  }
  field->assign(config_, Input{key, origin, nullptr, value});
  origins_[std::string(key)] = origin;
}

Config Loader::finish() const {
  check_config(config_, [this](std::string_view key) -> std::string_view {
    const auto found = origins_.find(key);
    return found == origins_.end() ? std::string_view() : std::string_view(found->second);
  });
  return config_;
}

Config load(const std::optional<std::filesystem::path>& file, const Environment& env) {
  Loader loader;
  if (file) {
    loader.load_file(*file);
  }
  loader.load_environment(env);
  return loader.finish();
}

void validate(const Config& config) {
  check_config(config, [](std::string_view) { return std::string_view(); });
}

}  // namespace brisk::config
