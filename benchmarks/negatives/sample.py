"""Draws the hand-read sample of clipprobe negatives (issue 7): N rows per op (default 30), with
random.Random(SEED).sample (default seed 7) over each op's rows in file order.

Usage: python3 sample.py NEG.jsonl [N] [SEED] [LABELS.tsv ...] > sample.tsv
Rows whose annotation id is in one of the LABELS files (column 2; earlier reads) are left out
before sampling, so a new read sees captions no earlier read labelled.
Columns: op, annotation id, edit (before->after; two for a swap, " | " between), caption,
negative. The caption and negative columns are for reading only: COCO captions are not
committed (labels.tsv keeps the first three columns and the label).
"""
import collections
import json
import random
import sys


def edit(r):
    return " | ".join(f"{c['before']}->{c['after']}" for e in r["edits"] for c in e["changes"])


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    read = set()
    for labels in sys.argv[4:]:
        with open(labels, encoding="utf-8") as f:
            next(f, None)
            read.update(row.split("\t")[1] for row in f if "\t" in row)
    by_op = collections.defaultdict(list)
    for line in open(path, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            if r["id"].split("/")[0] not in read:
                by_op[r["op"]].append(r)
    for op, rows in by_op.items():
        for r in random.Random(seed).sample(rows, min(n, len(rows))):
            cid = r["id"].split("/")[0]
            print("\t".join([op, cid, edit(r), r["caption"], r["negative"]]))


if __name__ == "__main__":
    main()
