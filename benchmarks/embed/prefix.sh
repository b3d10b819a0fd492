#!/usr/bin/env bash
# Token positions the text tower computes (deterministic counts, no timing) on the prefix-sharing
# workloads of docs/performance.md "Prefix sharing": the texts an `eval` embeds for the first 500
# negatives rows of the first 400 captions of ../shared/data/coco-captions/val2017-dev.jsonl
# (unique captions and negatives, in row order), depth 1 (seed 0) and depth 3 (seed 1); and
# run.sh's 247 unique captions (and each twice, as run.sh had them before). Prints, per workload,
# this build's trie positions (text_positions) and the replaced code's (a port of it).
#   usage: benchmarks/embed/prefix.sh [REFERENCE_DIR] [MODEL_NAME]   (default vit-b-32)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
model=$ref/models/${2:-vit-b-32}
[[ -d $model ]] || { echo "no model at $model: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe -p clipprobe-clip --example text_positions)
bin=$top/target/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -400 "$top/../shared/data/coco-captions/val2017-dev.jsonl" > "$work/caps400.jsonl"
for spec in "d1 1 0" "d3 3 1"; do
  set -- $spec
  "$bin/clipprobe" negatives -q --captions "$work/caps400.jsonl" --out "$work/$1.jsonl" --depth "$2" --seed "$3"
  python3 - "$work/$1.jsonl" > "$work/$1.txt" <<'PY'
import json, sys
seen = {}
for i, line in enumerate(open(sys.argv[1])):
    if i >= 500:
        break
    row = json.loads(line)
    for t in (row["caption"], row["negative"]):
        seen.setdefault(t, None)
print("\n".join(seen))
PY
done
grep -v '^\s*$' "$top/crates/negatives/tests/data/captions/coco_style.txt" | awk '!seen[$0]++' > "$work/caps247.txt"
cat "$work/caps247.txt" "$work/caps247.txt" > "$work/caps494.txt"
for w in d1 d3 caps247 caps494; do
  echo "$w: trie $("$bin/examples/text_positions" "$model" "$work/$w.txt" "$work/$w.json" 2>&1)"
  echo "$w: replaced $(python3 "$here/prefix_positions_97b01a6.py" "$work/$w.json" | cut -d' ' -f2-)"
done
