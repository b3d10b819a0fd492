#!/usr/bin/env bash
# Regenerates the generated lexicon data from WordNet 3.0 and the development part of the COCO
# dev captions (images whose id is not divisible by 5; see split.py):
#   crates/negatives/lexicon/objects.wordnet.tsv  (make_lexicon.py)
#   crates/negatives/lexicon/plausibility.tsv     (counts learned by `clipprobe negatives --save-table`)
#   crates/negatives/lexicon/lm.tsv               (word trigram counts, n-grams seen once pruned;
#                                                  the negatives_lm example, scripts/negatives/make_lm.rs)
# Needs: python3, Debian's wordnet-base (/usr/share/wordnet), ../shared/data/coco-captions.
# Usage: scripts/negatives/make_tables.sh [DEV.jsonl]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEV=${1:-$ROOT/../shared/data/coco-captions/val2017-dev.jsonl}
LEX=$ROOT/crates/negatives/lexicon
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
python3 scripts/negatives/make_lexicon.py "$DEV" > "$WORK/objects.wordnet.tsv"
mv "$WORK/objects.wordnet.tsv" "$LEX/objects.wordnet.tsv"
python3 scripts/negatives/split.py "$DEV" train > "$WORK/train.txt"
cargo build --release -p clipprobe --quiet
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/clipprobe
"$BIN" --quiet negatives --captions "$WORK/train.txt" --out "$WORK/neg.jsonl" --ops replace_obj \
  --corpus "$WORK/train.txt" --no-builtin-table --save-table "$WORK/plausibility.tsv"
mv "$WORK/plausibility.tsv" "$LEX/plausibility.tsv"
cargo build --release -p clipprobe-negatives --example negatives_lm --quiet
"${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/negatives_lm" "$WORK/train.txt" 2 > "$WORK/lm.tsv"
mv "$WORK/lm.tsv" "$LEX/lm.tsv"
echo "regenerated $LEX/objects.wordnet.tsv, $LEX/plausibility.tsv and $LEX/lm.tsv; rebuild to embed them"
