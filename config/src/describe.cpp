#include <brisk/config/describe.hpp>

#include "schema.hpp"
#include "toml_json.hpp"

#include <sstream>

namespace brisk::config {

std::string describe(const Config& config) {
  std::ostringstream out;
  out << "# brisk: effective configuration (defaults < file < environment < flags)\n";
  std::string_view section;
  for (const auto& field : detail::fields()) {
    if (field.section != section) {
      section = field.section;
      out << "\n[" << section << "]\n";
    }
    out << field.key << " = " << field.render(config) << "\n";
  }
  for (const auto& limit : config.routes.limit) {
    out << "\n[[routes.limit]]\n"
        << "path = " << detail::quote(limit.path) << "\n"
        << "concurrency = " << limit.concurrency << "\n"
        << "wait_ms = " << limit.wait_ms.count() << "\n";
  }
  for (const auto& plugin : config.plugins.load) {
    out << "\n[[plugins.load]]\n"
        << "path = " << detail::quote(plugin.path) << "\n"
        << "name = " << detail::quote(plugin.name) << "\n";
  }
  // toml++ writes the nested tables and arrays of the plugins' own sections;
  // an empty section is left out (it loads back as the same empty object).
  toml::table sections;
  for (const auto& plugin : config.plugins.load) {
    if (!plugin.settings.empty()) {
      sections.insert(plugin.name, detail::to_toml(plugin.settings));
    }
  }
  if (!sections.empty()) {
    toml::table root;
    root.insert("plugin", std::move(sections));
    out << "\n" << root << "\n";
  }
  return out.str();
}

}  // namespace brisk::config
