#!/usr/bin/env bash
# Builds and runs every test suite (Catch2 units and integration, black-box
# daemon tests) through CTest.
#   usage: scripts/test.sh [--sanitize]    (--sanitize: ASan + UBSan build)
set -euo pipefail
cd "$(dirname "$0")/.."

build=build type=Release extra=()
if [[ "${1:-}" == "--sanitize" ]]; then
  # RelWithDebInfo: ASan at -O0 makes coroutine frames and stacks needlessly large.
  build=build-asan type=RelWithDebInfo extra=(-DBRISK_SANITIZE=ON -DBRISK_BUILD_BENCH=OFF)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${extra[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
