#!/usr/bin/env bash
# brisk vs nginx over HTTP/1.1 on 127.0.0.1: throughput, p99 latency, server
# CPU per request, errors, and the cost of 10,000 idle keep-alive connections.
# Builds brisk (Release), then bench/http/harness.py runs each server (one
# worker, core 0) in turn against wrk (core 1) and prints a table with the
# brisk/nginx ratio of every figure and its target; a full run also rewrites
# the results block of bench/README.md (## HTTP).
#
#   usage: bench/http/run.sh [--quick] [--no-build] [--nginx-only]
#     --quick       smoke test: 1 run of 2 s per scenario, 2,000 idle
#                   connections, bench/README.md left alone (about 1 minute)
#     --no-build    use the existing build/server/brisk
#     --nginx-only  measure nginx alone (no build, brisk column empty)
#   environment: IDLE_CONNS (default 10000), RUNS (3), DURATION (5 s)
#
# Needs wrk, nginx (nginx-light), taskset and python3: scripts/install-deps.sh.
# Bounded: the harness gets a time limit, and on any exit every process it
# started (its own process group) is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=0 build=1 brisk=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --nginx-only) brisk=0 build=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

for tool in wrk nginx taskset python3 setsid timeout; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

# Every idle connection is one descriptor in the server and one in a client.
ulimit -Sn "$(ulimit -Hn)"
echo "run.sh: open files limit $(ulimit -n) per process" >&2

if ((build)); then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target brisk
fi

args=()
if ((brisk)); then
  [[ -x build/server/brisk ]] || { echo "run.sh: build/server/brisk missing" >&2; exit 1; }
  args+=(--brisk build/server/brisk)
fi
if ((quick)); then
  args+=(--runs 1 --duration 2 --idle-conns "${IDLE_CONNS:-2000}")
  limit=240
else
  args+=(--runs "${RUNS:-3}" --duration "${DURATION:-5}" --idle-conns "${IDLE_CONNS:-10000}"
         --readme bench/README.md)
  limit=540
fi

# setsid: the harness leads a process group of its own holding every server,
# wrk and client it starts, so the trap can stop exactly those.
setsid timeout -k 10 "$limit" python3 bench/http/harness.py "${args[@]}" &
group=$!
stop_group() {
  if kill -0 -- "-$group" 2>/dev/null; then
    kill -TERM -- "-$group" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$group" 2>/dev/null || return 0
      sleep 0.5
    done
    kill -KILL -- "-$group" 2>/dev/null || true
  fi
}
trap 'stop_group; exit 130' INT TERM HUP
trap stop_group EXIT
status=0
wait "$group" || status=$?
if ((status == 124)); then
  echo "run.sh: the harness overran its ${limit} s limit" >&2
fi
exit "$status"
