// A shared library that is not a brisk plugin: it loads, and has no PluginInfo.
extern "C" int not_a_plugin_answer() { return 42; }
