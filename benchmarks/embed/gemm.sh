#!/usr/bin/env bash
# GEMM throughput of the model's Linear shapes: candle's matmul (the `gemm` crate, which
# clipprobe-clip used before round 6 and still uses without AVX2/FMA) and the packed AVX2/FMA GEMM
# (model::packed, what clipprobe-clip runs now) beside torch's F.linear, same machine, same run,
# f32, all cores; best of REPEATS, wall time. Prints a Markdown table for
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
echo "| shape (batch × seq × in → out) | candle (gemm crate) GFLOP/s | packed GFLOP/s | torch GFLOP/s | packed / torch |"
echo "|---|---|---|---|---|"
paste -d' ' "$work/candle.txt" "$work/torch.txt" | awk '{
  printf "| %s (%s × %s × %s → %s) | %s | %s | %s | %.2f |\n", $1, $2, $3, $4, $5, $6, $7, $11, $7 / $11 }'
