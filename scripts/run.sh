#!/usr/bin/env bash
# Installs the dependencies, builds brisk (Release) and runs its main program.
# Until the HTTP daemon lands (issue 3) that is the runtime's example, a TCP
# echo server on port 7000 (try: nc 127.0.0.1 7000); Ctrl-C stops it.
# Extra arguments go to the program.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target echo_server -j "$(nproc)"
exec ./build/runtime/examples/echo_server "$@"
