// A plugin built against another build of the SDK (the interface is the same).
#include <brisk/server/plugin.hpp>

namespace {
void setup(brisk::server::PluginContext&) {}
}  // namespace

extern "C" [[gnu::visibility("default")]] const brisk::server::PluginInfo brisk_plugin{
    brisk::server::plugin_interface, "0.0.0+elsewhere", &setup};
