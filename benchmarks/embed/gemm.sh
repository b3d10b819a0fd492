#!/usr/bin/env bash
# GEMM throughput of the model's Linear shapes: candle (as clipprobe-clip calls it) beside torch's
# F.linear, same machine, same run, f32, all cores. Prints a Markdown table for
# docs/performance.md ("Where the image time goes: the GEMM").
#   usage: benchmarks/embed/gemm.sh [REFERENCE_DIR] [REPEATS]
# REFERENCE_DIR (default /tmp/clip-reference) comes from ../shared/tools/reference/setup.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
repeats=${2:-5}
py=$ref/venv/bin/python
[[ -x $py ]] || { echo "reference venv missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
(cd "$top" && cargo build --release -q -p clipprobe-clip --example gemm)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$top/target/release/examples/gemm" "$repeats" > "$work/candle.txt"
"$py" "$here/gemm.py" "$work/candle.txt" "$repeats" > "$work/torch.txt"
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| shape (batch × seq × in → out) | candle GFLOP/s | torch GFLOP/s | candle / torch |"
echo "|---|---|---|---|"
paste -d' ' "$work/candle.txt" "$work/torch.txt" | awk '{
  printf "| %s (%s × %s × %s → %s) | %s | %s | %.2f |\n", $1, $2, $3, $4, $5, $6, $8, $6 / $8 }'
