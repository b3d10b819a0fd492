#!/usr/bin/env bash
# Interleaved timing of several clipprobe binaries on the same captions: each round runs every
# binary once, in the order given, so drifts in the machine's speed (load from outside, which
# moves single runs by ±15% on the 2-core machines) fall on all of them alike. Prints per binary
# the median and mean wall time, captions/s at the median and at the best run, the median CPU
# time (user + system) and the median peak RSS.
# Usage: benchmarks/negatives/compare.sh ROUNDS CAPTIONS BIN... (RAYON_NUM_THREADS=2 unless set;
#        extra flags for `negatives` in $FLAGS)
set -euo pipefail
ROUNDS=$1; CAPTIONS=$2; shift 2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
N=$(grep -c . "$CAPTIONS")
for i in $(seq "$ROUNDS"); do
  for b in "$@"; do
    /usr/bin/time -f "$b %e %U %S %M" -a -o "$WORK/times" env RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-2}" \
      "$b" --quiet negatives --captions "$CAPTIONS" --out "$WORK/out.jsonl" ${FLAGS:-}
  done
done
python3 - "$WORK/times" "$N" <<'PY'
import statistics as st, sys
runs = {}
for line in open(sys.argv[1]):
    b, wall, user, sys_, rss = line.split()
    runs.setdefault(b, []).append((float(wall), float(user) + float(sys_), int(rss)))
n = int(sys.argv[2])
for b, v in runs.items():
    wall = [x[0] for x in v]
    print(f"{b}: {len(v)} runs, wall median {st.median(wall):.2f} s (mean {st.mean(wall):.2f}), "
          f"{n / st.median(wall):,.0f} captions/s at the median, {n / min(wall):,.0f} best, "
          f"CPU median {st.median(x[1] for x in v):.2f} s, peak RSS median {st.median(x[2] for x in v) / 1024:.0f} MB")
PY
