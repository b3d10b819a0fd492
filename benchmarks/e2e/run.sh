#!/usr/bin/env bash
# End to end, a SugarCrepe-style evaluation: SugarCrepe's own algorithm (main_eval.py: per pair,
# batch 1, pad 77) and a CLIP_benchmark-style batched pad-77 loop, both on transformers, against
# `clipprobe data import sugarcrepe` + `clipprobe eval --no-cache`, same checkpoint, same files,
# one run. Prints a Markdown table (best of REPEATS wall-clock runs each) and checks that the
# per-subset accuracies agree.
#   usage: benchmarks/e2e/run.sh [REFERENCE_DIR] [MODEL_NAME] [N_IMAGES]
# REFERENCE_DIR (default /tmp/clip-reference): ../shared/tools/reference/setup.sh's venv and
# random-weight checkpoints. Captions: ../shared/data/coco-captions/val2017-dev.jsonl (read, not
# copied); images generated (640x480; FORMAT=jpeg, the default, or FORMAT=png: PNG pixels decode
# identically in Pillow and clipprobe, JPEG pixels differ by a few levels). Wall clock of each whole step: for the Python loops
# model load included, interpreter and torch import excluded; for clipprobe both processes,
# model load included. REPEATS (default 3). CLIPPROBE_BIN: a clipprobe binary to time (default:
# this tree's, built first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ref=${1:-/tmp/clip-reference}
name=${2:-vit-b-32}
n=${3:-200}
reps=${REPEATS:-3}
fmt=${FORMAT:-jpeg}
py=$ref/venv/bin/python
model=$ref/models/$name
coco=$top/../shared/data/coco-captions/val2017-dev.jsonl
[[ -x $py && -d $model ]] || { echo "reference missing: run ../shared/tools/reference/setup.sh" >&2; exit 2; }
# CLIPPROBE_BIN: time that binary instead of building this tree's
bin=${CLIPPROBE_BIN:-$top/target/release/clipprobe}
[[ -n ${CLIPPROBE_BIN:-} ]] || (cd "$top" && cargo build --release -q --bin clipprobe)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$here/make_set.py" "$coco" "$work/set" "$n" "$fmt"
best() { sort -g | head -1; }
now() { date +%s.%N; }
: > "$work/sc"; : > "$work/bt"; : > "$work/cp"
for r in $(seq "$reps"); do
  "$py" "$here/peers.py" sugarcrepe "$model" "$work/set" "$work/sc.json" >&2
  "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$work/sc.json" >> "$work/sc"
  "$py" "$here/peers.py" batched "$model" "$work/set" "$work/bt.json" >&2
  "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$work/bt.json" >> "$work/bt"
  rm -rf "$work/out" "$work/set.jsonl"
  t0=$(now)
  "$bin" --quiet data import sugarcrepe --files "$work/set/data" --images-root "$work/set/images" --out "$work/set.jsonl"
  "$bin" --quiet eval --model "$model" --bench "$work/set.jsonl" --out "$work/out" --no-cache
  echo "$(now) $t0" | awk '{print $1 - $2}' >> "$work/cp"
done
sc=$(best < "$work/sc"); bt=$(best < "$work/bt"); cp=$(best < "$work/cp")
"$py" - "$work/sc.json" "$work/bt.json" "$work/out/report.json" <<'PY'
import json, sys
sc, bt, rep = (json.load(open(p)) for p in sys.argv[1:])
ours = {op: r["itm_accuracy"] for op, r in rep["results"][0]["ops"].items()}
print("| subset | pairs | SugarCrepe loop | batched loop | clipprobe |")
print("|---|---|---|---|---|")
for op in sorted(ours):
    print(f"| {op} | {rep['results'][0]['ops'][op]['itm_pairs']} | {sc['accuracy'][op]:.4f} | {bt['accuracy'][op]:.4f} | {ours[op]:.4f} |")
same = all(abs(sc["accuracy"][o] - ours[o]) < 1e-12 and abs(bt["accuracy"][o] - ours[o]) < 1e-12 for o in ours)
print()
print("per-subset accuracy identical on all three:", "yes" if same else "NO")
PY
echo
echo "machine: $(nproc) cores, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg); $name; $n $fmt images; best of $reps"
echo
echo "| | seconds | clipprobe speed-up |"
echo "|---|---|---|"
awk -v s="$sc" -v c="$cp" 'BEGIN { printf "| SugarCrepe main_eval.py algorithm (transformers) | %.1f | %.2f× |\n", s, s / c }'
awk -v s="$bt" -v c="$cp" 'BEGIN { printf "| batched pad-77 loop (transformers) | %.1f | %.2f× |\n", s, s / c }'
awk -v c="$cp" 'BEGIN { printf "| clipprobe data import + eval --no-cache | %.1f | 1× |\n", c }'
