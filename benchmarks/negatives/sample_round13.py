"""Draws round 13's two hand-read samples of replace_rel rows (issue 7; see
handread/README.md, "Round 13").

Usage: python3 sample_round13.py NEG.jsonl first|second|third > sample.tsv
  first:  30 replace_rel rows (random.Random(47)) of the captions no label file names for any
          op, then up to 30 other verb rows of those captions (random.Random(47); there were
          14); shuffled with random.Random(5).
          (The script leaves round 13's own label files out.)
  second: 30 replace_rel rows (random.Random(53)) of the captions whose replace_rel row no label
          file names, then 20 more verb rows (random.Random(53)); shuffled with random.Random(9).
          (The script leaves the second read's label file out.)
  third:  30 verb rows of replace_rel (random.Random(59)) of the captions whose replace_rel row
          no label file names (the third read's own file left out).
Label files: benchmarks/negatives/handread/labels*.tsv (column 1 op, column 2 annotation id).
Columns out: op, annotation id, edit, caption, negative (as sample.py).
"""
import glob
import json
import os
import random
import sys

from sample import edit, labelled

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    path, which = sys.argv[1], sys.argv[2]
    leave_out = {"first": ("round13",), "second": ("round13b", "round13c"), "third": ("round13c",)}
    files = [
        f
        for f in sorted(glob.glob(os.path.join(HERE, "handread", "labels*.tsv")))
        if not any(x in f for x in leave_out[which])
    ]
    pairs = labelled(files)
    if which == "first":
        read = {cid for _, cid in pairs}
    else:
        read = {cid for op, cid in pairs if op == "replace_rel"}
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    rel = [r for r in rows if r["op"] == "replace_rel" and r["id"].split("/")[0] not in read]
    if which == "third":
        verbs = [r for r in rel if r["edits"][0]["category"] == "verb"]
        rel = verbs
    seed, extra, shuffle = {"first": (47, 30, 5), "second": (53, 20, 9), "third": (59, 0, 11)}[which]
    drawn = random.Random(seed).sample(rel, min(30, len(rel)))
    ids = {r["id"] for r in drawn}
    verbs = [r for r in rel if r["edits"][0]["category"] == "verb" and r["id"] not in ids]
    more = random.Random(seed).sample(verbs, min(extra, len(verbs))) if extra else []
    out = drawn + more
    random.Random(shuffle).shuffle(out)
    print("op\tannotation_id\tedit\tcaption\tnegative")
    for r in out:
        print("\t".join([r["op"], r["id"].split("/")[0], edit(r), r["caption"], r["negative"]]))


if __name__ == "__main__":
    main()
