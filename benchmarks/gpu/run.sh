#!/usr/bin/env bash
# GPU check in one go, on a machine that has both a GPU and a CUDA 13 toolkit:
#
#   bash benchmarks/gpu/run.sh [OUT_DIR]        (default OUT_DIR: gpu-check)
#
# = build.sh (build with `--features cuda`, pack inputs) then device.sh (random-weight
# ViT-B/32; clipprobe on CPU f32 and GPU f32/f16/bf16 beside transformers on the same GPU;
# per-row cosines; timings; table printed last). When the GPU machine has no Rust or no
# network, run the halves apart as docs/performance.md describes: build.sh here, copy
# CARRY_DIR over, `bash CARRY_DIR/gpu/device.sh CARRY_DIR OUT_DIR` there.
# NOT YET RUN ON A GPU: see docs/performance.md (what was run, and where it stopped).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-gpu-check}
carry=$(mktemp -d)
trap 'rm -rf "$carry"' EXIT
cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-$cap} bash "$here/build.sh" "$carry"
bash "$carry/gpu/device.sh" "$carry" "$out"
