// Calls a function that no brisk has: the daemon's dlopen (RTLD_NOW) fails,
// naming the symbol, before any check of the library's PluginInfo.
extern "C" int brisk_function_this_daemon_lacks();
extern "C" int missing_symbol_answer() { return brisk_function_this_daemon_lacks(); }
