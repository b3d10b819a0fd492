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
for flags in "" "--adversarial-filter"; do
  start=$(date +%s.%N)
  RAYON_NUM_THREADS=$THREADS "$BIN" --quiet negatives --captions "$WORK/captions.txt" \
    --out "$WORK/neg.jsonl" $flags
  end=$(date +%s.%N)
  rows=$(wc -l < "$WORK/neg.jsonl")
  awk -v s="$start" -v e="$end" -v n="$N" -v r="$rows" -v f="${flags:-default}" \
    'BEGIN { t = e - s; printf "%-22s %6.2f s  %8.0f captions/s  %d rows\n", f, t, n / t, r }'
done
