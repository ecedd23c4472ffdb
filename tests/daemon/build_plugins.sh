#!/usr/bin/env bash
# Installs the plugin SDK from a brisk build tree and builds, against that
# install only, the example plugin (plugins/hello) and the test plugins
# (tests/daemon/plugins): what a plugin author outside this repository does.
#   usage: build_plugins.sh BUILD_DIR OUT_DIR CXX_COMPILER CMAKE_GENERATOR
# OUT_DIR gets sdk/, hello/libhello.so, fixtures/lib*.so and readme/libreadme.so
# (README's plugin code block, built as printed).
set -euo pipefail
build=$1 out=$2 cxx=$3 generator=$4
source_dir=$(cd "$(dirname "$0")/../.." && pwd)

rm -rf "$out"
cmake --install "$build" --component sdk --prefix "$out/sdk" >/dev/null

# README's plugin, exactly as printed there: the first ```cpp block that
# includes plugin.hpp, with the two lines of CMake README shows.
mkdir -p "$out/readme-src"
awk '/^```cpp$/ {block = ""; inside = 1; next}
     /^```$/ && inside {inside = 0; if (block ~ /brisk\/server\/plugin.hpp/ && !done) {printf "%s", block; done = 1}; next}
     inside {block = block $0 "\n"}' "$source_dir/README.md" >"$out/readme-src/readme.cpp"
[[ -s "$out/readme-src/readme.cpp" ]] || { echo "build_plugins.sh: no plugin code block in README.md" >&2; exit 1; }
printf 'cmake_minimum_required(VERSION 3.25)\nproject(readme LANGUAGES CXX)\n%s\n%s\n' \
  'find_package(brisk REQUIRED)' 'brisk_add_plugin(readme readme.cpp)' >"$out/readme-src/CMakeLists.txt"

for project in hello:plugins/hello fixtures:tests/daemon/plugins "readme:$out/readme-src"; do
  name=${project%%:*} dir=${project#*:}
  [[ $dir == /* ]] || dir="$source_dir/$dir"
  cmake -S "$dir" -B "$out/$name" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$out/sdk" >/dev/null
  cmake --build "$out/$name" -j "$(nproc)"
done
