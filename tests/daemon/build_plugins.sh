#!/usr/bin/env bash
# Installs the plugin SDK from a brisk build tree and builds, against that
# install only, the example plugin (plugins/hello) and the test plugins
# (tests/daemon/plugins): what a plugin author outside this repository does.
#   usage: build_plugins.sh BUILD_DIR OUT_DIR CXX_COMPILER CMAKE_GENERATOR
# OUT_DIR gets sdk/, hello/libhello.so and fixtures/lib*.so.
set -euo pipefail
build=$1 out=$2 cxx=$3 generator=$4
source_dir=$(cd "$(dirname "$0")/../.." && pwd)

rm -rf "$out"
cmake --install "$build" --component sdk --prefix "$out/sdk" >/dev/null
for project in hello:plugins/hello fixtures:tests/daemon/plugins; do
  name=${project%%:*} dir=${project#*:}
  cmake -S "$source_dir/$dir" -B "$out/$name" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$out/sdk" >/dev/null
  cmake --build "$out/$name" -j "$(nproc)"
done
