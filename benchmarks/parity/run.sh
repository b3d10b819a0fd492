#!/usr/bin/env bash
# Parity and speed of clipprobe-clip against transformers (CPU) on random-weight checkpoints of
# real CLIP architectures (../shared/tools/reference/setup.sh makes them).
#   usage: benchmarks/parity/run.sh [REFERENCE_DIR]   (default /tmp/clip-reference)
# For each model: token ids (exact match), text and image features (max difference, cosine),
# and embedding throughput of both implementations on the same inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
py=$ref/venv/bin/python
refpy=$top/../shared/tools/reference/reference.py
[[ -x $py && -f $refpy ]] || { echo "reference missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe-clip --example parity)
bin=$top/target/release/examples/parity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$here/make_images.py" "$work/images" > "$work/images.txt"
caps=$here/captions.txt
for m in "$ref"/models/*/; do
  name=$(basename "$m")
  "$py" "$refpy" ids "$m" --texts "$caps" --out "$work/ref_ids.json"
  "$py" "$refpy" embed "$m" --texts "$caps" --out "$work/ref_text.npy"
  "$py" "$refpy" embed "$m" --images "$work/images.txt" --out "$work/ref_img.npy"
  "$bin" "$m" texts "$caps" "$work/text.npy" "$work/ids.json" 2>/dev/null
  "$bin" "$m" images "$work/images.txt" "$work/img.npy" 2>/dev/null
  echo "$name text  $("$py" "$here/compare.py" "$work/text.npy" "$work/ref_text.npy" "$work/ids.json" "$work/ref_ids.json")"
  echo "$name image $("$py" "$here/compare.py" "$work/img.npy" "$work/ref_img.npy")"
done
