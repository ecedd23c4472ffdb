// A plugin built for the next plugin interface, which this brisk cannot load.
#include <brisk/server/plugin.hpp>

namespace {
void setup(brisk::server::PluginContext&) {}
}  // namespace

extern "C" [[gnu::visibility("default")]] const brisk::server::PluginInfo brisk_plugin{
    brisk::server::plugin_interface + 1, BRISK_VERSION, &setup};
