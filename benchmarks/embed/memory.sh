#!/usr/bin/env bash
# Peak resident memory of `clipprobe eval` on a 10k-caption benchmark (issue 11, item 4: target
# ≤ checkpoint size + 300 MB). Prints a Markdown table for docs/performance.md.
#   usage: benchmarks/embed/memory.sh [REFERENCE_DIR] [MODEL_NAMES...]
# REFERENCE_DIR (default /tmp/clip-reference): ../shared/tools/reference/setup.sh's random-weight
# checkpoints (models/NAME/model.safetensors). Benchmark: the first CAPTIONS (default 3880)
# captions of ../shared/data/coco-captions/val2017-dev.jsonl (read, not copied) and their
# depth-1 negatives from `clipprobe negatives` (seed 0): 10,165 unique texts with the default.
# Text only (no images), f32, --no-cache. Peak RSS is `/usr/bin/time -v`'s maximum resident set
# size (KB / 1000 = MB); it does not depend on the machine's load, wall time does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
coco=$top/../shared/data/coco-captions/val2017-dev.jsonl
ncap=${CAPTIONS:-3880}
ref=${1:-/tmp/clip-reference}
shift || true
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(vit-b-32 laion-b-16-eos)
[[ -f $coco ]] || { echo "missing $coco" >&2; exit 2; }
command -v python3 > /dev/null || { echo "needs python3" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
(cd "$top" && cargo build --release -q --bin clipprobe)
bin=$top/target/release/clipprobe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# captions only (the COCO images are not part of the data set)
python3 -c 'import json, sys
for i, line in zip(range(int(sys.argv[2])), open(sys.argv[1], encoding="utf-8")):
    print(json.loads(line)["caption"].strip().replace("\n", " "))' "$coco" "$ncap" > "$work/captions.txt"
"$bin" --quiet negatives --captions "$work/captions.txt" --out "$work/bench.jsonl"
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg); $ncap captions + depth-1 negatives"
echo
echo "| model | checkpoint MB | unique texts | peak RSS MB | peak − checkpoint MB | wall s |"
echo "|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  dir=$ref/models/$m
  [[ -f $dir/model.safetensors ]] || { echo "missing $dir/model.safetensors" >&2; exit 2; }
  ckpt=$(stat -c %s "$dir/model.safetensors")
  /usr/bin/time -v -o "$work/time.txt" "$bin" eval --model "$dir" --bench "$work/bench.jsonl" \
    --out "$work/out-$m" --offline --no-cache 2> "$work/eval.log" || { cat "$work/eval.log" >&2; exit 1; }
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" | awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}')
  texts=$(grep -o '[0-9]* unique texts' "$work/eval.log" | head -1 | awk '{print $1}')
  awk -v m="$m" -v c="$ckpt" -v r="$rss" -v t="$texts" -v w="$wall" \
    'BEGIN { printf "| %s | %.0f | %s | %.0f | %.0f | %.0f |\n", m, c / 1e6, t, r / 1000, r / 1000 - c / 1e6, w }'
done
