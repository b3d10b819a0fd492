#!/usr/bin/env bash
# GPU check in one go: build with `--features cuda`, embed the same captions and images on the
# CPU (f32) and on the GPU (f32, f16, bf16), compare every row's cosine to the CPU f32 rows, and
# time each run. Needs: a CUDA toolkit (nvcc) and a GPU; python3 with numpy for the comparison.
#
#   bash benchmarks/gpu/run.sh MODEL_DIR CAPTIONS.txt IMAGES_DIR [OUT_DIR]
#
# MODEL_DIR is a local checkpoint folder (e.g. one made by ../shared/tools/reference/setup.sh,
# carried to the GPU machine). Prints a table: device, dtype, kind, rows, seconds, min cosine.
# UNTESTED: no GPU was available when this script was written (docs/performance.md).
set -euo pipefail
model=${1:?MODEL_DIR}; captions=${2:?CAPTIONS.txt}; images=${3:?IMAGES_DIR}; out=${4:-gpu-check}
cd "$(dirname "$0")/../.."
cargo build --release -p clipprobe --features cuda
bin=target/release/clipprobe
mkdir -p "$out"
run() { # device dtype kind input
  local start end
  start=$(date +%s.%N)
  "$bin" --quiet embed --model "$model" "--$3" "$4" --out "$out/$1-$2-$3.npy" \
    --device "$1" --dtype "$2" --normalize
  end=$(date +%s.%N)
  echo "$1 $2 $3 $(echo "$end - $start" | bc)" >> "$out/times.txt"
}
: > "$out/times.txt"
for kind in texts images; do
  input=$captions; [[ $kind == images ]] && input=$images
  run cpu f32 "$kind" "$input"
  for dtype in f32 f16 bf16; do run cuda "$dtype" "$kind" "$input"; done
done
python3 - "$out" <<'PY'
import sys, numpy as np
out = sys.argv[1]
times = {tuple(l.split()[:3]): float(l.split()[3]) for l in open(f"{out}/times.txt")}
print(f"{'device':6} {'dtype':5} {'kind':6} {'rows':>6} {'seconds':>8} {'min cosine vs cpu f32':>22}")
for (dev, dt, kind), sec in times.items():
    a = np.load(f"{out}/{dev}-{dt}-{kind}.npy").astype(np.float64)
    ref = np.load(f"{out}/cpu-f32-{kind}.npy").astype(np.float64)
    cos = (a * ref).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"{dev:6} {dt:5} {kind:6} {len(a):6d} {sec:8.2f} {cos.min():22.8f}")
PY
