#!/usr/bin/env bash
# Runs each runtime micro-benchmark 5 times for brisk and for the same
# program in Python asyncio on uvloop, pinned to one core (two for the rows
# across two loops), and prints the medians and their ratio; the table also
# replaces the one in bench/README.md.
#   usage: bench/runtime/run.sh [runs]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
core=${BENCH_CORE:-1}
cores=${BENCH_CORES:-0,1}

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target runtime_bench >/dev/null
brisk=./build/bench/runtime/runtime_bench
py="/usr/bin/python3 bench/runtime/asyncio_bench.py"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() {  # cpu list, command... -> median of $runs runs
  local cpus=$1
  shift
  for _ in $(seq "$runs"); do taskset -c "$cpus" "$@"; done | median
}

# name | brisk args | python args | better | threads (Python's counts are
# scaled down where a full run would take minutes or gigabytes; every figure
# is per operation)
rows=(
  "spawn + await a trivial task (ns/task)|spawn 1000000|spawn 100000|lower"
  "Event ping-pong, 1,000 pairs (ns/switch)|event 100000|event 100000|lower"
  "Queue ping-pong, 1,000 pairs (ns/switch)|queue 100000|queue 100000|lower"
  "sleeping task, peak RSS (bytes/task)|sleepers 1000000|sleepers 100000|lower"
  "gather of 10,000 100 ms sleeps (ms over 100)|gather 10000|gather 10000|lower"
  "SharedSemaphore ping-pong across 2 loops (ns/hand-off)|shared 100000|shared 20000|lower|2"
)

table="| benchmark | brisk | asyncio + uvloop | asyncio / brisk |
|---|---:|---:|---:|"
for row in "${rows[@]}"; do
  IFS='|' read -r name bargs pargs _ threads <<<"$row"
  cpus=$core
  if [[ ${threads:-1} -gt 1 ]]; then cpus=$cores; fi
  b=$(measure "$cpus" $brisk $bargs)
  p=$(measure "$cpus" $py $pargs)
  ratio=$(awk -v b="$b" -v p="$p" 'BEGIN { if (b > 0) printf "%.1fx", p / b; else print "-" }')
  table+=$'\n'"| $name | $b | $p | $ratio |"
done

echo "$table"
readme=bench/README.md
python3 - "$readme" "$table" "$runs" <<'PY'
import re, sys, datetime
path, table, runs = sys.argv[1], sys.argv[2], sys.argv[3]
begin, end = "<!-- runtime-bench:begin -->", "<!-- runtime-bench:end -->"
block = f"{begin}\nMedian of {runs} runs, each pinned to one core (`taskset`), {datetime.date.today()}.\n\n{table}\n{end}"
text = open(path).read()
text = re.sub(re.escape(begin) + ".*?" + re.escape(end), block, text, flags=re.S)
open(path, "w").write(text)
PY
