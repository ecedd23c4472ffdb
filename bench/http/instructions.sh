#!/usr/bin/env bash
# User-space instructions per request, counted exactly with callgrind: brisk
# (one worker, access log off: bench/http/brisk.toml) runs under valgrind
# with instrumentation off; Python's http.client sends WARMUP keep-alive requests,
# collection is switched on, COUNT more are sent, and the instructions
# counted are divided by COUNT. Repeatable to a few instructions whatever
# else the machine does, so it compares two builds where wall-clock figures
# on a shared 2-core machine cannot.
#
#   usage: bench/http/instructions.sh [PATH [BRISK_BINARY...]]
#     PATH defaults to /plaintext; binaries default to build/server/brisk
#   environment: WARMUP (2000), COUNT (10000)
set -euo pipefail
cd "$(dirname "$0")/../.."

path=${1:-/plaintext}
shift || true
binaries=("$@")
((${#binaries[@]})) || binaries=(build/server/brisk)
warmup=${WARMUP:-2000} count=${COUNT:-10000}
for tool in valgrind callgrind_control python3; do
  command -v "$tool" >/dev/null || { echo "instructions.sh: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

send() {  # port n: n keep-alive GETs of $path on one connection
  python3 - "$1" "$2" "$path" <<'PY'
import http.client, sys
port, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for _ in range(n):
    c.request("GET", path, headers={"Accept-Encoding": "identity"})
    r = c.getresponse()
    r.read()
    assert r.status == 200, r.status
PY
}

for binary in "${binaries[@]}"; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  out="$work/callgrind.out"
  BRISK_SERVER_LISTEN="127.0.0.1:$port" valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$out" "$binary" --config bench/http/brisk.toml >"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
  done
  send "$port" "$warmup"
  callgrind_control -i on "$pid" >/dev/null 2>&1
  send "$port" "$count"
  callgrind_control -i off "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  cp "$out" "/tmp/instr.$(basename "$(dirname "$(dirname "$(dirname "$binary")")")").out" 2>/dev/null || true
  total=$(awk '/^totals:/ {print $2; exit}' "$out")
  echo "$binary $path: $((total / count)) instructions per request"
done
