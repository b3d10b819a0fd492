#!/usr/bin/env bash
# Byte-identity check of two clipprobe binaries' `negatives` output (rows and summary), for a
# speed change that must not change any output byte. Runs both on each caption file given, each
# with the default flags, `--adversarial-filter` and `--depth 3 --seed 7`, and prints one line
# per run: the sha256 of rows + summary of each binary, "same" or "DIFF", and the row count.
# Exits 1 when any output differs.
# Usage: benchmarks/negatives/exact.sh OLD_BIN NEW_BIN CAPTIONS...
#   e.g. the 100,000 run.sh captions (make_captions.py), the held-out and the development
#   captions (docs/performance.md, "Speed pass 6" and "Speed pass 7")
set -euo pipefail
OLD=$1; NEW=$2; shift 2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
for input in "$@"; do
  for flags in "" "--adversarial-filter" "--depth 3 --seed 7"; do
    for side in old new; do
      bin=$OLD; [ "$side" = new ] && bin=$NEW
      # shellcheck disable=SC2086
      RAYON_NUM_THREADS=2 "$bin" --quiet negatives --captions "$input" --out "$WORK/$side.jsonl" $flags
    done
    a=$(cat "$WORK/old.jsonl" "$WORK/old.summary.json" | sha256sum | cut -c1-16)
    b=$(cat "$WORK/new.jsonl" "$WORK/new.summary.json" | sha256sum | cut -c1-16)
    verdict=same
    if [ "$a" != "$b" ]; then verdict=DIFF; status=1; fi
    echo "$(basename "$input") [${flags:-default}] $a $b $verdict rows $(wc -l < "$WORK/new.jsonl")"
  done
done
exit $status
