#!/usr/bin/env bash
# Parity of the open_clip and SigLIP families against their reference implementations
# (open_clip, transformers; CPU) on random-weight checkpoints of real geometries:
# open_clip ViT-B-32-quickgelu (Hub layout, safetensors), ViT-B-16 (Hub layout, pickled .bin,
# and the same weights as a raw .pt training checkpoint with --arch ViT-B-16 --act gelu), and
# SigLIP with google/siglip-base-patch16-224's geometry (SentencePiece tokenizer trained here),
# and fixed-resolution SigLIP 2 with google/siglip2-base-patch16-224's geometry (256,000-row
# embedding table; Gemma-style SentencePiece BPE tokenizer trained here, saved by transformers'
# GemmaTokenizer with SigLIP 2's settings: no lowercasing, no attention mask).
#   usage: [FAMILIES="openclip siglip siglip2"] benchmarks/parity/run_families.sh [REFERENCE_DIR]
#   (default /tmp/clip-reference; FAMILIES picks some of the three, default all)
# Needs the reference venv plus `pip install open-clip-torch sentencepiece` (scikit-image adds
# real photographs); open_clip models use the real CLIP tokenizer from ../shared (local only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
py=$ref/venv/bin/python
[[ -x $py ]] || { echo "reference missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe-clip --example parity)
bin=${CARGO_TARGET_DIR:-$top/target}/release/examples/parity
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$here/make_images.py" "$work/images" | grep -i '\.png$' > "$work/images.txt"
families=${FAMILIES:-openclip siglip siglip2}
# shellcheck disable=SC2086  # one word per family
"$py" "$here/make_family_fixtures.py" full "$work/models" "$work/images.txt" $families > "$work/make.log" 2>&1 || { tail -5 "$work/make.log" >&2; exit 1; }
caps=$here/captions.txt
run() {  # name model-path reference-dir
  "$bin" "$2" texts "$caps" "$work/text.npy" "$work/ids.json" 2>/dev/null
  "$bin" "$2" images "$work/images.txt" "$work/img.npy" 2>/dev/null
  echo "$1 text  $("$py" "$here/compare.py" "$work/text.npy" "$3/ref_text.npy" "$work/ids.json" "$3/ref_ids.json")"
  echo "$1 image $("$py" "$here/compare.py" "$work/img.npy" "$3/ref_image.npy")"
}
m=$work/models
if [[ " $families " == *" openclip "* ]]; then
  run ViT-B-32-quickgelu "$m/ViT-B-32-quickgelu" "$m/ViT-B-32-quickgelu"
  run ViT-B-16 "$m/ViT-B-16" "$m/ViT-B-16"
  PARITY_ARCH=ViT-B-16 PARITY_ACT=gelu run "ViT-B-16 raw .pt" "$m/openclip-raw/negclip-tiny.pt" "$m/ViT-B-16"
fi
if [[ " $families " == *" siglip "* ]]; then
  run siglip-base-patch16-224 "$m/siglip" "$m/siglip"
fi
if [[ " $families " == *" siglip2 "* ]]; then
  run siglip2-base-patch16-224 "$m/siglip2" "$m/siglip2"
fi
