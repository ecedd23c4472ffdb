// Fuzz target for the config file: any text loaded as brisk.toml either gives
// a Config or one ConfigError, never another exception or a crash (loader.hpp).
// An error is one line (error.hpp: it goes to a terminal or a log) that names
// its key when it has one. A Config that loads passes validate(), and
// describe() writes it as a file that loads back equal (describe.hpp).
//
//   any build: fuzz_config_replay runs tests/fuzz/corpus/config as a test;
//   clang with -DBRISK_FUZZ=ON: fuzz_config searches (tests/fuzz/CMakeLists.txt).

#include <brisk/config/describe.hpp>
#include <brisk/config/error.hpp>
#include <brisk/config/loader.hpp>

#include "promise.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using brisk::config::Config;
using brisk::config::ConfigError;
using brisk::config::Loader;
using brisk::fuzz::broken;
using brisk::fuzz::expect;

// The loaded Config, or nullopt after checking the error.
std::optional<Config> load(std::string_view text, std::string_view source) {
  try {
    Loader loader;
    loader.load_toml(text, source);
    return loader.finish();
  } catch (const ConfigError& e) {
    const std::string_view message = e.what();
    expect(!message.empty(), "a ConfigError has a message");
    expect(message.find_first_of("\r\n") == std::string_view::npos,
           "a ConfigError is one line: " + std::string(message));
    expect(e.key().empty() || message.find(e.key()) != std::string_view::npos,
           "a ConfigError names its key (" + e.key() + "): " + std::string(message));
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::optional<Config> config = load(text, "fuzz.toml");
  if (!config) {
    return 0;
  }
  try {
    brisk::config::validate(*config);
  } catch (const ConfigError& e) {
    broken(std::string("a Config that loaded fails validate(): ") + e.what());
  }
  const std::string described = brisk::config::describe(*config);
  const std::optional<Config> again = load(described, "described.toml");
  if (!again || !(*again == *config)) {
    broken("describe() gives a file that loads back equal; it gave:\n" + described);
  }
  return 0;
}
