#!/usr/bin/env bash
# Speed benchmark of `clipprobe negatives`: 100,000 synthetic captions, all seven operators,
# depth 1, end to end (read, parse, generate, blind audit, write JSON Lines + summary).
# Usage: benchmarks/negatives/run.sh [N] [THREADS]   (THREADS sets RAYON_NUM_THREADS)
set -euo pipefail
N=${1:-100000}
THREADS=${2:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
# CLIPPROBE_BIN: a prebuilt binary to time instead of building this checkout's
BIN=${CLIPPROBE_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p clipprobe --quiet
  BIN="$ROOT/target/release/clipprobe"
fi
python3 benchmarks/negatives/make_captions.py "$WORK/captions.txt" "$N"
echo "captions: $N, threads: $THREADS, CPUs: $(nproc)"
# wall clock, and CPU time (user + system) so that runs on a loaded machine can be compared;
# the load average is printed before each run
TIMEFORMAT='%R %U %S'
for flags in "" "--adversarial-filter"; do
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  t=$( { time RAYON_NUM_THREADS=$THREADS "$BIN" --quiet negatives --captions "$WORK/captions.txt" \
    --out "$WORK/neg.jsonl" $flags 2>&3 ; } 3>&2 2>&1 )
  rows=$(wc -l < "$WORK/neg.jsonl")
  awk -v t="$t" -v n="$N" -v r="$rows" -v f="${flags:-default}" -v l="$load" \
    'BEGIN { split(t, x, " "); cpu = x[2] + x[3];
      printf "%-22s %6.2f s  %8.0f captions/s  %d rows  cpu %.2f s (%.1f us/caption)  load %s\n",
        f, x[1], n / x[1], r, cpu, 1e6 * cpu / n, l }'
done
