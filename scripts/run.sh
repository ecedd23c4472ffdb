#!/usr/bin/env bash
# Installs the dependencies, builds brisk (Release) and runs the daemon on its
# default configuration, config/brisk.toml: 0.0.0.0:8080, one worker per core,
# the demo handlers on (try: curl localhost:8080/plaintext). Ctrl-C drains and
# stops it. Extra arguments go to brisk (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "run.sh: configuring and building brisk (Release) in build/" >&2
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build --target brisk -j "$(nproc)"
echo "run.sh: starting build/server/brisk --config config/brisk.toml $*" >&2
exec ./build/server/brisk --config config/brisk.toml "$@"
