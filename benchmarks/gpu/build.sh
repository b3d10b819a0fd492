#!/usr/bin/env bash
# The build half of the GPU check: builds clipprobe with `--features cuda` and packs what
# device.sh needs into CARRY_DIR, to be copied to (or run on) the GPU machine. Needs nvcc on PATH (a CUDA 13 toolkit, or `source cuda_from_pip.sh` beside
# this script) and CUDA_COMPUTE_CAP when the build machine has no GPU (90 for H100/H200).
#
#   bash benchmarks/gpu/build.sh CARRY_DIR [COCO_CAPTIONS.jsonl] [N_CAPTIONS] [N_IMAGES]
#
# CARRY_DIR gets bin/clipprobe (stripped), ref/ (make_models.py, reference.py and
# tokenizer.json from ../shared), gpu/ (device.sh, compare.py) and inputs/
# (make_inputs.py: 1024 distinct COCO captions, 64 synthetic COCO-sized images by default).
# PYTHON (default python3) must have numpy and pillow. CARGO_ARGS (word-split) are added to the
# cargo command, e.g. the `--config patch.crates-io.candle-kernels.path=...` of the 2026-11-30
# run (docs/performance.md says why and what it changes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
carry=${1:?CARRY_DIR}
coco=${2:-$top/../shared/data/coco-captions/val2017-dev.jsonl}
mkdir -p "$carry"/{bin,ref,gpu}
carry=$(cd "$carry" && pwd)
cd "$top"
# shellcheck disable=SC2086
cargo build --release -p clipprobe --features cuda ${CARGO_ARGS:-}
strip -o "$carry/bin/clipprobe" target/release/clipprobe
cp ../shared/tools/reference/make_models.py ../shared/tools/reference/reference.py \
  ../shared/fixtures/clip-tokenizer/tokenizer.json "$carry/ref/"
cp "$here/device.sh" "$here/compare.py" "$carry/gpu/"
"${PYTHON:-python3}" "$here/make_inputs.py" "$coco" "$carry/inputs" "${3:-1024}" "${4:-64}"
du -sh "$carry"
