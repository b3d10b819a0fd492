#!/usr/bin/env bash
# Where an image's time goes on both sides (docs/performance.md, round 5): perf's split of
# clipprobe's examples/parity after model load, and transformers' decode / processor / forward
# timed apart with torch.profiler's operator split (benchmarks/embed/image_split.py).
#   usage: benchmarks/embed/profile_images.sh [REFERENCE_DIR] [MODEL_NAME] [REPEATS]
# The images are run.sh's 48, repeated REPEATS times (default 2) for clipprobe. Needs perf.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
name=${2:-vit-b-32}
repeats=${3:-2}
py=$ref/venv/bin/python
m=$ref/models/$name
[[ -x $py && -d $m ]] || { echo "reference or model missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe-clip --example parity)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$top/benchmarks/parity/make_images.py" "$work/img" > "$work/all.txt"
for i in 1 2 3 4 5; do cat "$work/all.txt"; done | head -48 > "$work/images.txt"
for i in $(seq "$repeats"); do cat "$work/images.txt"; done > "$work/repeated.txt"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
# -D: start sampling after the model load (about 1-3 s)
perf record -q -F 1999 -D 3000 -o "$work/perf.data" \
  "$top/target/release/examples/parity" "$m" images "$work/repeated.txt" "$work/out.npy" 32
perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null | grep '%' | head -25
"$py" "$here/image_split.py" "$m" "$work/images.txt" 32
