#!/usr/bin/env bash
# Installs the dependencies, builds brisk (Release) and runs the daemon on its
# default configuration, config/brisk.toml: 0.0.0.0:8080, one worker per core,
# the demo handlers on (try: curl localhost:8080/plaintext). Ctrl-C drains and
# stops it. Extra arguments go to brisk (--help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target brisk -j "$(nproc)"
exec ./build/server/brisk --config config/brisk.toml "$@"
