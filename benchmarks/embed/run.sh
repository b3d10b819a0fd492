#!/usr/bin/env bash
# Embedding throughput of clipprobe-clip beside transformers (CPU, f32), same checkpoints, same
# inputs, same machine, one run. Prints a Markdown table for docs/performance.md.
#   usage: benchmarks/embed/run.sh [REFERENCE_DIR] [MODEL_NAMES...]
# REFERENCE_DIR (default /tmp/clip-reference) comes from ../shared/tools/reference/setup.sh.
# Inputs: the project's 247 COCO-style captions, each once (unique: repeated captions would let
# clipprobe's prefix sharing skip the copies, see docs/performance.md) and
# 48 images (the synthetic parity images, plus scikit-image's sample photos when installed).
# Both sides: model load excluded, tokenisation / decoding / preprocessing included, best of 3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
shift || true
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(vit-b-32 tinyclip-8m-16 laion-b-16-eos)
py=$ref/venv/bin/python
refpy=$top/../shared/tools/reference/reference.py
[[ -x $py && -f $refpy ]] || { echo "reference missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe-clip --example parity)
bin=$top/target/release/examples/parity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
caps=$work/captions.txt
grep -v '^\s*$' "$top/crates/negatives/tests/data/captions/coco_style.txt" | awk '!seen[$0]++' > "$caps"
"$py" "$top/benchmarks/parity/make_images.py" "$work/img" > "$work/all.txt"
for i in 1 2 3 4 5; do cat "$work/all.txt"; done > "$work/repeated.txt"
head -48 "$work/repeated.txt" > "$work/images.txt"
ncap=$(wc -l < "$caps"); nimg=$(wc -l < "$work/images.txt")
best() { # best per_second of three runs of a command printing {"per_second": x} on stdout or stderr
  local r all=""
  for r in 1 2 3; do
    all="$all $("$@" 2>&1 | grep -o '"per_second": [0-9.]*' | tail -1 | awk '{print $2}')"
  done
  echo "$all" | awk '{ m = 0; for (i = 1; i <= NF; i++) if ($i > m) m = $i; printf "%.2f", m }'
}
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | captions/s transformers | captions/s clipprobe | ratio | images/s transformers | images/s clipprobe | ratio |"
echo "|---|---|---|---|---|---|---|"
for name in "${models[@]}"; do
  m=$ref/models/$name
  rt=$(best "$py" "$refpy" time-text "$m" --texts "$caps" --batch 64 --pad longest --repeat 1)
  ot=$(best "$bin" "$m" texts "$caps" "$work/t.npy" "" 64)
  ri=$(best "$py" "$refpy" time-image "$m" --images "$work/images.txt" --batch 32 --repeat 1)
  oi=$(best "$bin" "$m" images "$work/images.txt" "$work/i.npy" 32)
  awk -v n="$name" -v rt="$rt" -v ot="$ot" -v ri="$ri" -v oi="$oi" \
    'BEGIN { printf "| %s | %s | %s | %.2f× | %s | %s | %.2f× |\n", n, rt, ot, ot / rt, ri, oi, oi / ri }'
done
echo
echo "($ncap captions, $nimg images)"
