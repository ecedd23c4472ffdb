#!/usr/bin/env bash
# Throughput of streamed responses: wrk fetches GET /stream?n=N (N pieces of
# about 12 bytes, each its own chunk, made by a Generator without waiting)
# over 100 keep-alive connections from one brisk worker. brisk runs on core
# 0, wrk on core 1; each binary runs RUNS times (alternating when two are
# given) and the median MB/s and responses/s are printed, with the server's
# CPU per response. Bounded: DURATION s per run, and every server started is
# stopped on exit.
#
#   usage: bench/http/stream.sh [BRISK_BINARY [OTHER_BINARY]]
#     default binary: build/server/brisk; a second one is measured beside it
#     (a build of another commit, for a before/after figure)
#   environment: RUNS (3), DURATION (5), PIECES (1000), CONNS (100)
set -euo pipefail
cd "$(dirname "$0")/../.."

binaries=("${1:-build/server/brisk}")
[[ -n "${2:-}" ]] && binaries+=("$2")
runs=${RUNS:-3} duration=${DURATION:-5} pieces=${PIECES:-1000} conns=${CONNS:-100}
for tool in wrk taskset python3; do
  command -v "$tool" >/dev/null || { echo "stream.sh: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

pid=""
stop_server() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop_server EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
declare -A mbps rps cpu
for ((run = 0; run < runs; run++)); do
  for binary in "${binaries[@]}"; do
    BRISK_SERVER_LISTEN="127.0.0.1:$port" taskset -c 0 "$binary" --config bench/http/brisk.toml >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
    ticks_before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${duration}s" "http://127.0.0.1:$port/stream?n=$pieces")
    ticks_after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    stop_server
    responses=$(awk '/requests in/ {print $1}' <<<"$out")
    bytes_per_s=$(awk '/Transfer\/sec/ {v = $2; u = substr(v, length(v) - 1); n = v + 0;
                    m = u == "GB" ? 1e9 : u == "MB" ? 1e6 : u == "KB" ? 1e3 : 1; print n * m}' <<<"$out")
    mbps[$binary]+="$(awk -v b="$bytes_per_s" 'BEGIN {printf "%.1f", b / 1e6}') "
    rps[$binary]+="$(awk -v r="$responses" -v d="$duration" 'BEGIN {printf "%.0f", r / d}') "
    cpu[$binary]+="$(awk -v t=$((ticks_after - ticks_before)) -v r="$responses" -v hz="$(getconf CLK_TCK)" \
                      'BEGIN {printf "%.0f", t / hz * 1e6 / r}') "
  done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "GET /stream?n=$pieces, $conns connections, 1 worker, median of $runs runs of ${duration} s"
printf '%-40s %10s %12s %16s\n' binary "MB/s" "responses/s" "CPU us/response"
for binary in "${binaries[@]}"; do
  printf '%-40s %10s %12s %16s\n' "$binary" "$(median <<<"${mbps[$binary]}")" \
    "$(median <<<"${rps[$binary]}")" "$(median <<<"${cpu[$binary]}")"
done
